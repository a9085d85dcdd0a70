"""Roles are enforced in the version services, not only in the views: copying, branching and merging versions and
setting exchange rates are for administrators and modellers (docs/security.md). Anyone else is refused with 403
naming the roles, and nothing changes; the cells a copy or merge writes still go through the writer's cell access
(units frozen by the approval workflow stay closed to modellers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from opencorpo.accounts.model_roles import model_role_give
from opencorpo.accounts.roles import Role
from opencorpo.core.errors import Forbidden
from opencorpo.core.models import AuditEvent
from opencorpo.governance.approvals import approval_transition, approver_assign
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import UnknownObject
from opencorpo.planning.models import Branch, Cube, FactChange, FxRate, Member
from opencorpo.planning.rates import rates_set
from opencorpo.planning.versioning import version_branch, version_copy, version_merge
from tests.factories import make_user
from tests.planning.test_cells import at

pytestmark = pytest.mark.django_db
BUILDERS = {"administrator", "modeller"}
RATES = [{"version": "budget", "period": "2026-01", "currency": "USD", "rate_type": "average", "rate": 0.9}]


def write(cube: Cube, *cells: tuple[dict[str, str], float]) -> None:
    cells_write(cube=cube, cells=[CellWrite(coordinate, amount) for coordinate, amount in cells], user=None)


def facts(cube: Cube) -> dict[tuple[str, ...], float]:
    """Every stored cell of the cube: (account, entity, time, version) codes → value, straight from planning_fact."""
    slot = dict(cube.cube_dimensions.values_list("dimension__code", "slot"))
    code = dict(Member.objects.filter(dimension__model=cube.model).values_list("pk", "code"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {slot['account']}, {slot['entity']}, {slot['time']}, {slot['version']}, value "
            "FROM planning_fact WHERE cube_id = %s",
            [cube.pk],
        )
        return {(code[a], code[e], code[t], code[v]): value for a, e, t, v, value in cursor.fetchall()}


def of_version(cube: Cube, version: str) -> dict[tuple[str, ...], float]:
    return {key[:3]: amount for key, amount in facts(cube).items() if key[3] == version}


@pytest.fixture
def filled(cube: Cube) -> Cube:
    """Budget figures, and a what-if branch of it (made by the system) that changed one of them."""
    write(cube, (at("RENT", "E1"), 10.0), (at("RENT", "W1"), 20.0), (at("SALES", "E2", "2026-02"), 30.0))
    version_branch(model=cube.model, base="budget", code="plus", name="Plus", user=None)
    write(cube, (at("RENT", "E1", version="plus"), 11.0))
    return cube


def copied(cube: Cube) -> None:
    assert of_version(cube, "forecast") == of_version(cube, "budget") != {}


def branched(cube: Cube) -> None:
    assert Branch.objects.filter(version__code="whatif", base__code="budget").exists()
    assert of_version(cube, "whatif") == of_version(cube, "budget") != {}


def merged(cube: Cube) -> None:
    assert of_version(cube, "budget")[("RENT", "E1", "2026-01")] == 11.0
    assert Branch.objects.get(version__code="plus").merged_at is not None


def rates_written(cube: Cube) -> None:
    assert list(cube.model.fx_rates.values_list("currency", "rate")) == [("USD", 0.9)]


# name → (call, what it did when allowed)
CALLS: dict[str, tuple[Callable[[Cube, Any], Any], Callable[[Cube], None]]] = {
    "version_copy": (
        lambda c, u: version_copy(model=c.model, source="budget", target="forecast", user=u),
        copied,
    ),
    "version_branch": (
        lambda c, u: version_branch(model=c.model, base="budget", code="whatif", name="What if", user=u),
        branched,
    ),
    "version_merge": (lambda c, u: version_merge(branch="plus", model=c.model, user=u), merged),
    "rates_set": (lambda c, u: rates_set(model=c.model, rows=RATES, user=u), rates_written),
}


def snapshot(cube: Cube) -> tuple[Any, ...]:
    """Everything a copy, branch, merge or rate change could touch."""
    cube.refresh_from_db()
    return (
        facts(cube),
        list(Member.objects.filter(dimension__model=cube.model).order_by("pk").values_list("code", "name")),
        list(Branch.objects.order_by("pk").values_list("version__code", "points", "merged_at")),
        list(FxRate.objects.order_by("pk").values_list("version__code", "currency", "rate")),
        FactChange.objects.count(),
        AuditEvent.objects.count(),
        cube.data_version,
    )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", list(CALLS))
def test_each_version_service_checks_the_role_itself(filled, name, role):
    call, done = CALLS[name]
    user = make_user("someone", role)
    if role.value in BUILDERS:
        call(filled, user)
        done(filled)
        return
    before = snapshot(filled)
    with pytest.raises(Forbidden) as refused:
        call(filled, user)
    assert refused.value.status_code == 403
    assert refused.value.extra["required"] == ["administrator", "modeller"]
    assert refused.value.message.startswith("Only administrators and modellers may ")
    assert refused.value.message.endswith("Ask an administrator for the modeller role.")
    assert snapshot(filled) == before


@pytest.mark.parametrize("name", list(CALLS))
def test_the_system_itself_may_do_each(filled, name):
    call, done = CALLS[name]
    call(filled, None)
    done(filled)


@pytest.mark.parametrize("name", list(CALLS))
def test_a_modeller_role_given_in_the_model_is_enough(filled, name):
    call, done = CALLS[name]
    make_user("mo")
    model_role_give(model=filled.model, role=Role.MODELLER.value, user="mo", group=None)
    mo = make_user("mo-elsewhere", Role.PLANNER)  # a planner everywhere …
    model_role_give(model=filled.model, role=Role.MODELLER.value, user="mo-elsewhere", group=None)  # … modeller here
    call(filled, mo)
    done(filled)


@pytest.mark.parametrize("name", list(CALLS))
def test_a_modellers_token_with_the_planner_role_is_refused(filled, name):
    call, _ = CALLS[name]
    mo = make_user("mo", Role.MODELLER)
    mo.token_role = Role.PLANNER.value  # as TokenAuthentication sets it: the request acts with the token's role
    before = snapshot(filled)
    with pytest.raises(Forbidden, match="modeller role"):
        call(filled, mo)
    assert snapshot(filled) == before


def test_branching_from_an_unknown_version_names_it_and_creates_nothing(filled):
    before = snapshot(filled)
    with pytest.raises(UnknownObject, match="no member 'nope'"):
        version_branch(
            model=filled.model, base="nope", code="whatif", name="What if", user=make_user("ada", Role.MODELLER)
        )
    assert snapshot(filled) == before


def submitted(cube: Cube, entity: str, version: str = "budget") -> None:
    """The unit submitted for approval: read-only to everyone but administrators."""
    make_user("abe", Role.APPROVER)
    approver_assign(model=cube.model, entity="WORLD", user="abe")
    planner = make_user("pia", Role.PLANNER)
    approval_transition(model=cube.model, version=version, entity=entity, action="submit", user=planner)


def test_a_modellers_merge_into_a_frozen_unit_is_refused_whole_an_administrators_is_not(filled):
    submitted(filled, "E1")
    before = snapshot(filled)
    with pytest.raises(Forbidden, match="submitted for approval"):
        version_merge(branch="plus", model=filled.model, user=make_user("mo", Role.MODELLER))
    assert snapshot(filled) == before
    version_merge(branch="plus", model=filled.model, user=make_user("ada", Role.ADMINISTRATOR))
    merged(filled)


def test_a_modellers_copy_into_a_frozen_unit_is_refused_whole(filled):
    submitted(filled, "E1", version="forecast")
    before = snapshot(filled)
    with pytest.raises(Forbidden, match="submitted for approval"):
        version_copy(model=filled.model, source="budget", target="forecast", user=make_user("mo", Role.MODELLER))
    assert snapshot(filled) == before
    version_copy(model=filled.model, source="budget", target="forecast", user=make_user("ada", Role.ADMINISTRATOR))
    copied(filled)
