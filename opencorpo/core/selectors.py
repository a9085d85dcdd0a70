"""Job reads: a user sees the jobs they started; administrators see all."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from opencorpo.accounts.roles import Role, has_role
from opencorpo.core.errors import NotFound
from opencorpo.core.models import Job


def jobs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Job]:
    if has_role(user, Role.ADMINISTRATOR):
        return Job.objects.all()
    return Job.objects.filter(created_by_id=user.pk)


def job_get(*, user: AbstractBaseUser | AnonymousUser, job_id: str) -> Job:
    job = jobs_visible_to(user).filter(pk=job_id).select_related("created_by").first()
    if job is None:  # the same answer for "missing" and "not yours": nothing leaks
        raise NotFound(f"No job {job_id} that you can see. Check the id.")
    return job


_INSTALLATION: dict[str, str] = {}


def installation_id() -> str:
    """This database's identity (created by a migration), remembered per process and database alias."""
    from django.db import connection

    from opencorpo.core.models import Installation

    key = f"{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}"
    if key not in _INSTALLATION:
        row = Installation.objects.order_by("created_at").first() or Installation.objects.create()
        _INSTALLATION[key] = row.pk.hex[:12]
    return _INSTALLATION[key]
