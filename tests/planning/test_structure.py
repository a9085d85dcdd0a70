"""Structure services: built-in dimensions, the fiscal calendar, validation, moves and deletes that handle data."""

from __future__ import annotations

import pytest

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.errors import DataInTheWay, InvalidStructure, UnknownObject
from opencorpo.planning.models import DimensionKind, FactChange, Member
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_new_model_has_account_entity_time_and_version_dimensions(model):
    kinds = sorted(model.dimensions.values_list("kind", flat=True))
    assert kinds == ["account", "entity", "time", "version"]
    time = model.dimensions.get(kind=DimensionKind.TIME)
    assert time.members.count() == 1 + 4 + 12
    march = time.members.get(code="2026-03")
    assert (march.parent.code, march.parent.parent.code, march.period_kind) == ("FY2026-Q1", "FY2026", "month")
    versions = model.dimensions.get(kind=DimensionKind.VERSION).members.values_list("code", flat=True)
    assert sorted(versions) == ["actual", "budget", "forecast"]


def test_the_fiscal_year_can_start_in_april():
    model = structure.model_create(code="fy4", name="FY April", fiscal_year_start_month=4, first_fiscal_year=2027)
    q1 = model.dimensions.get(kind=DimensionKind.TIME).members.get(code="FY2027-Q1")
    assert [m.code for m in q1.children.order_by("sort")] == ["2026-04", "2026-05", "2026-06"]


def test_duplicate_codes_and_unknown_parents_are_rejected_by_name(model):
    account = model.dimensions.get(kind=DimensionKind.ACCOUNT)
    with pytest.raises(InvalidStructure, match="already has a member 'REV'"):
        structure.member_create(dimension=account, code="REV", name="Again")
    with pytest.raises(UnknownObject, match="no member 'NOPE'"):
        structure.member_create(dimension=account, code="X", name="X", parent="NOPE")


def test_a_move_that_would_make_a_cycle_is_refused_with_its_path(model):
    account = model.dimensions.get(kind=DimensionKind.ACCOUNT)
    with pytest.raises(InvalidStructure) as error:
        structure.member_update(member=account.members.get(code="NI"), parent="SALES")
    assert "NI" in error.value.message and "SALES" in error.value.message
    assert account.members.get(code="NI").parent is None


def test_a_bulk_change_with_an_orphan_or_a_cycle_writes_nothing(model):
    account = model.dimensions.get(kind=DimensionKind.ACCOUNT)
    before = list(account.members.values_list("code", "parent__code"))
    with pytest.raises(InvalidStructure, match="'GHOST'"):
        structure.members_bulk(dimension=account, upserts=[{"code": "NEW", "name": "New", "parent": "GHOST"}])
    with pytest.raises(InvalidStructure):
        structure.members_bulk(dimension=account, upserts=[{"code": "REV", "parent": "SALES"}])
    assert list(account.members.values_list("code", "parent__code")) == before


def test_a_leaf_holding_values_cannot_get_children(cube):
    cells_write(
        cube=cube,
        cells=[CellWrite({"account": "RENT", "entity": "E1", "time": "2026-01", "version": "actual"}, 5.0)],
        user=None,
    )
    account = cube.model.dimensions.get(kind=DimensionKind.ACCOUNT)
    with pytest.raises(DataInTheWay, match="'RENT' holds 1 values"):
        structure.member_create(dimension=account, code="RENT-A", name="Rent A", parent="RENT")
    with pytest.raises(DataInTheWay, match="'RENT' holds 1 values"):
        structure.members_bulk(dimension=account, upserts=[{"code": "RENT-A", "name": "Rent A", "parent": "RENT"}])
    assert not account.members.filter(code="RENT-A").exists()


def test_deleting_a_member_with_values_needs_consent_and_is_audited(cube):
    coordinate = {"account": "RENT", "entity": "E1", "time": "2026-01", "version": "actual"}
    cells_write(cube=cube, cells=[CellWrite(coordinate, 5.0)], user=None)
    rent = Member.objects.get(dimension__model=cube.model, code="RENT")
    with pytest.raises(DataInTheWay, match="holds 1 values"):
        structure.member_delete(member=rent)
    assert structure.member_delete(member=rent, delete_data=True) == 1
    assert not Member.objects.filter(pk=rent.pk).exists()
    assert list(FactChange.objects.order_by("id").values_list("old_value", "new_value", "source")) == [
        (None, 5.0, "grid"),
        (5.0, None, "structure"),
    ]


def test_a_cube_needs_version_and_time(model):
    with pytest.raises(InvalidStructure, match="Version and Time"):
        structure.cube_create(model=model, code="c", name="C", dimensions=["account", "entity"])
    with pytest.raises(UnknownObject, match="no dimension 'colour'"):
        structure.cube_create(model=model, code="c", name="C", dimensions=["account", "colour", "time", "version"])


def test_a_ratio_that_cannot_be_evaluated_is_refused_and_nothing_changes(model):
    account = model.dimensions.get(kind=DimensionKind.ACCOUNT)
    with pytest.raises(InvalidStructure, match="MARGIN"):  # a ratio built on itself
        structure.member_update(member=account.members.get(code="MARGIN"), ratio_numerator="MARGIN")
    with pytest.raises(InvalidStructure, match="both a numerator and a denominator"):
        structure.member_create(dimension=account, code="HALF", name="Half", ratio_numerator="NI")
    assert account.members.get(code="MARGIN").ratio_numerator.code == "NI"
    assert not account.members.filter(code="HALF").exists()
    structure.member_create(
        dimension=account,
        code="SHARE",
        name="Sales share",
        ratio_numerator="SALES",
        ratio_denominator="REV",
        account_type="statistical",
    )
    with pytest.raises(DataInTheWay, match="input of the ratio 'SHARE'"):
        structure.member_delete(member=account.members.get(code="SALES"))


def test_deleting_a_version_drops_its_partitions_and_audits_who_deleted_its_values(cube):
    modeller = make_user("mo", Role.MODELLER)  # member_delete checks the role itself
    whatif = structure.version_create(model=cube.model, code="whatif", name="What if")
    cells_write(
        cube=cube,
        cells=[CellWrite({"account": "RENT", "entity": "E1", "time": "2026-01", "version": "whatif"}, 5.0)],
        user=None,
    )
    assert structure.member_delete(member=whatif, delete_data=True, user=modeller) == 1
    assert FactChange.objects.get(new_value=None).changed_by == modeller
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"planning_fact_c{cube.pk}_v{whatif.pk}"])
        assert cursor.fetchone()[0] is None
