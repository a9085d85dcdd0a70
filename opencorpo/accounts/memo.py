"""What a user may do, read once and remembered on the user object. A request loads its user afresh, so in a request
this lasts for the request: the permission class, the access scope and the services share one reading of the
user's roles and grants. Any change of roles, group membership or grants in this process forgets every remembered
answer, so a user object kept across such a change (a test, a long job) never answers from before it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

ATTRIBUTE = "_opencorpo_access_memo"
_changes = itertools.count(1)
_generation = [0]  # moves on every change that can alter an answer


def remembered(user: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` for this user and key, computed once until roles, groups or grants change."""
    memo: tuple[int, dict[Hashable, Any]] | None = getattr(user, ATTRIBUTE, None)
    if memo is None or memo[0] != _generation[0]:
        memo = (_generation[0], {})
        setattr(user, ATTRIBUTE, memo)
    answers = memo[1]
    if key not in answers:
        answers[key] = compute()
    return answers[key]  # type: ignore[no-any-return]


def forget(**_: Any) -> None:
    """A signal receiver: something that decides roles or access changed."""
    _generation[0] = next(_changes)


def connect() -> None:
    """Forget on every change of per-model roles, grants, group membership or groups (AccountsConfig.ready)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from opencorpo.accounts.models import Grant, ModelRole

    for model in (Grant, ModelRole, Group):
        post_save.connect(forget, sender=model, dispatch_uid=f"access-memo-save-{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"access-memo-delete-{model.__name__}")
    membership = get_user_model().groups.through
    m2m_changed.connect(forget, sender=membership, dispatch_uid="access-memo-groups")
