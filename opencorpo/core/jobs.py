"""The registry of job kinds: what each runs and who may submit it through the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Progress = Callable[[int, str], None]
Handler = Callable[[dict[str, Any], Progress], dict[str, Any]]
MaySubmit = Callable[[AbstractBaseUser | AnonymousUser], bool]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    may_submit: MaySubmit
    description: str


_KINDS: dict[str, JobKind] = {}


def register(name: str, *, may_submit: MaySubmit, description: str) -> Callable[[Handler], Handler]:
    """Decorator for a job handler: it takes the job's params and a progress callback, returns a JSON result."""

    def decorate(handler: Handler) -> Handler:
        _KINDS[name] = JobKind(name=name, handler=handler, may_submit=may_submit, description=description)
        return handler

    return decorate


def kind_of(name: str) -> JobKind | None:
    return _KINDS.get(name)


def all_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.name)
