"""Planning job kinds: folding a cube's recent writes into a new columnar snapshot."""

from __future__ import annotations

from typing import Any

from opencorpo.accounts.roles import Role, has_role
from opencorpo.core import jobs
from opencorpo.planning.snapshots import snapshot_build


@jobs.register(
    "snapshot.build",
    may_submit=lambda user: has_role(user, Role.ADMINISTRATOR) or has_role(user, Role.MODELLER),
    description="Write a cube's facts into a new columnar snapshot for the fast read path.",
)
def snapshot_build_job(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    progress(5, "Reading the cube's facts")
    version = snapshot_build(cube_id=int(params["cube_id"]))
    return {"cube_id": params["cube_id"], "data_version": version}
