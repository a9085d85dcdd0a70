"""The demo.load job: loads the demo company (roles and users now) idempotently, through the broker."""

from __future__ import annotations

from typing import Any

from opencorpo.accounts.roles import Role, has_role
from opencorpo.accounts.services import demo_users_ensure, roles_ensure
from opencorpo.core import jobs
from opencorpo.demo.company import demo_company_load


@jobs.register(
    "demo.load",
    may_submit=lambda user: has_role(user, Role.ADMINISTRATOR),
    description="Load (or top up) the demo company: roles, one user per role, the Acme Pumps model.",
)
def demo_load(params: dict[str, Any], progress: jobs.Progress) -> dict[str, Any]:
    progress(10, "Creating roles")
    roles = roles_ensure()
    progress(50, "Creating demo users")
    hashes = params.get("password_hashes") or None
    created = demo_users_ensure(password_hashes=hashes)
    progress(20, "Loading the demo company")
    company = demo_company_load(lambda percent, message: progress(20 + percent * 4 // 5, message))
    progress(100, "Demo company loaded")
    return {"roles": sorted(roles), "users_created": created, "company": company}
