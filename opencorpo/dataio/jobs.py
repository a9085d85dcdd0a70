"""Job kinds of data in and out: imports (and, with exports, the files they produce)."""

from __future__ import annotations

from typing import Any

from opencorpo.core import jobs
from opencorpo.dataio.exports import export_run, template_apply
from opencorpo.dataio.imports import import_run


def only_through_its_endpoint(user: Any) -> bool:
    """These jobs carry server-made parameters (a batch, a user): the generic job API may not submit them."""
    return False


@jobs.register(
    "import.run",
    may_submit=only_through_its_endpoint,
    description="Check and apply an uploaded file of facts (submitted through the imports API).",
)
def import_job(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    return import_run(str(params["batch"]), progress)


@jobs.register(
    "export.run",
    may_submit=only_through_its_endpoint,
    description="Write a grid to XLSX or CSV, or a planning template (submitted through the exports API).",
)
def export_job(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    return export_run(params, progress)


@jobs.register(
    "template.apply",
    may_submit=only_through_its_endpoint,
    description="Write the changed cells of an uploaded planning template (submitted through the templates API).",
)
def template_job(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    return template_apply(params, progress)
