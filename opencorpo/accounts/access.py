"""Effective member-level access: the one place every read, write, export, import, report, cache and feed asks.

Rules (docs/security.md):
- Administrators and modellers see and change everything. Planners may write, approvers and viewers only read,
  and users without a role nothing; grants can only narrow this.
- A grant gives none/read/write on a member and its subtree; the deepest grant above a leaf decides, and at the
  same member a user's own grant beats their groups' grants (of which the most generous counts).
- A dimension in which the user has no grant at all is open to them (up to their role).
- **A total is readable only if every leaf under it is readable**, so no hidden number leaks through a total;
  a member the user cannot read does not exist for them: it is not listed, and naming it gets the same answer
  as naming a member that does not exist.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from opencorpo.accounts.memo import remembered
from opencorpo.accounts.models import LEVEL, Access
from opencorpo.accounts.roles import Role, roles_of

NONE, READ, WRITE = LEVEL[Access.NONE], LEVEL[Access.READ], LEVEL[Access.WRITE]


@dataclass
class AccessScope:
    cap: int  # the most the role allows anywhere
    grants: dict[int, dict[int, int]]  # dimension id → member id → level granted there
    digest: str  # stable text for cache keys: equal digests see exactly the same cells
    _memo: dict[tuple[int, int], int] = field(default_factory=dict)

    def level(self, dimension_id: int, hierarchy: Any, member_id: int) -> int:
        """The access to a member: for a total, the least access over all its leaves."""
        granted = self.grants.get(dimension_id)
        if granted is None:
            return self.cap
        key = (dimension_id, member_id)
        if key not in self._memo:
            self._memo[key] = min(
                (self._leaf_level(granted, hierarchy, leaf) for leaf in hierarchy.leaves(member_id)), default=NONE
            )
        return min(self.cap, self._memo[key])

    @staticmethod
    def _leaf_level(granted: dict[int, int], hierarchy: Any, leaf: int) -> int:
        for node in (leaf, *hierarchy.ancestors(leaf)):
            if node in granted:
                return granted[node]
        return NONE

    def can_read(self, dimension_id: int, hierarchy: Any, member_id: int) -> bool:
        return self.level(dimension_id, hierarchy, member_id) >= READ

    def can_write(self, dimension_id: int, hierarchy: Any, member_id: int) -> bool:
        return self.level(dimension_id, hierarchy, member_id) >= WRITE


SYSTEM = AccessScope(cap=WRITE, grants={}, digest="system")


def access_scope(user: Any, model_id: int) -> AccessScope:
    """The user's effective access in one model (`None` is the system itself: jobs, the demo, benchmarks). Read
    once per user object (in a request: once per request) until roles or grants change (accounts/memo.py)."""
    if user is None:
        return SYSTEM
    token_model = getattr(user, "token_model_id", None)
    if token_model is not None and token_model != model_id:  # a token limited to another model sees nothing here
        return AccessScope(cap=NONE, grants={}, digest="none")
    cap, grants, digest = remembered(user, ("access", model_id), lambda: _scope_of(user, model_id))
    return AccessScope(cap=cap, grants=grants, digest=digest)  # a fresh memo: hierarchies may change meanwhile


def _scope_of(user: Any, model_id: int) -> tuple[int, dict[int, dict[int, int]], str]:
    roles = set(roles_of(user, model_id))
    if roles & {Role.ADMINISTRATOR.value, Role.MODELLER.value}:
        # administrators and modellers see everything; only administrators write units frozen by approvals
        return WRITE, {}, "admin" if Role.ADMINISTRATOR.value in roles else "all"
    cap = WRITE if Role.PLANNER.value in roles else READ if roles else NONE
    with connection.cursor() as cursor:  # plain SQL (the ORM's query building cost more)
        cursor.execute(
            """SELECT dimension_id, member_id, user_id, access FROM accounts_grant
               WHERE model_id = %s AND (user_id = %s OR group_id IN (
                   SELECT group_id FROM auth_user_groups WHERE user_id = %s))""",
            [model_id, user.pk, user.pk],
        )
        rows = cursor.fetchall()
    own: dict[tuple[int, int], int] = {}
    groups: dict[tuple[int, int], int] = {}
    for dimension_id, member_id, user_id, access in rows:
        target = own if user_id is not None else groups
        target[(dimension_id, member_id)] = max(target.get((dimension_id, member_id), NONE), LEVEL[access])
    merged = {**groups, **own}
    grants: dict[int, dict[int, int]] = {}
    for (dimension_id, member_id), level in merged.items():
        grants.setdefault(dimension_id, {})[member_id] = level
    text = f"cap={cap};" + ";".join(f"{d}:{m}:{lvl}" for (d, m), lvl in sorted(merged.items()))
    return cap, grants, hashlib.sha256(text.encode()).hexdigest()[:32]


def model_in_scope(user: Any, model_code: str) -> int | None:
    """Refuse a model the user has no access to at all (e.g. a token limited to another model), exactly as if it
    did not exist; the model's id (None: no such model, which the view reports)."""
    from opencorpo.core.errors import NotFound
    from opencorpo.planning.models import Model

    model_id = Model.objects.filter(code=model_code).values_list("pk", flat=True).first()
    if model_id is not None and access_scope(user, model_id).cap == NONE:
        raise NotFound(f"There is no model {model_code!r}.")
    return model_id
