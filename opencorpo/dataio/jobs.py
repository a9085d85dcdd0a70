"""Job kinds of data in and out: imports (and, with exports, the files they produce)."""

from __future__ import annotations

from typing import Any

from opencorpo.accounts.roles import Role, roles_of
from opencorpo.core import jobs
from opencorpo.dataio.imports import import_run

WRITERS = {Role.ADMINISTRATOR.value, Role.MODELLER.value, Role.PLANNER.value}


@jobs.register(
    "import.run",
    may_submit=lambda user: bool(set(roles_of(user)) & WRITERS),
    description="Check and apply an uploaded file of facts (submitted through the imports API).",
)
def import_job(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    return import_run(str(params["batch"]), progress)
