"""The member list's fast serialisation (serializers.member_rows, one .values() query) answers exactly what
MemberSerializer does, field for field, for every kind of dimension; a parent the reader may not see is not named."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.planning import structure
from opencorpo.planning.models import Member
from opencorpo.planning.serializers import MemberSerializer, member_rows
from tests.accounts.test_access import grant
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_member_rows_equal_the_serializer_for_every_dimension(cube):
    sales = Member.objects.get(dimension__model=cube.model, code="SALES")
    structure.member_update(member=sales, attributes={"owner": "Ann", "tags": ["a", 1]}, number_format="0.0")
    for dimension in cube.model.dimensions.all():  # accounts (weights, a ratio), entities, periods (dates), versions
        members = dimension.members.all()
        expected = MemberSerializer(list(members), many=True).data
        assert json.dumps(member_rows(members)) == json.dumps(expected)  # same values, types and key order
        assert len(expected) > 1


def test_shown_members_only_and_hidden_parents_not_named(cube):
    entities = Member.objects.filter(dimension__model=cube.model, dimension__code="entity")
    shown = {m.pk for m in entities if m.code not in {"WORLD", "W1"}}
    rows = {row["code"]: row for row in member_rows(entities, shown)}
    assert set(rows) == {"EAST", "WEST", "E1", "E2"}
    assert rows["EAST"]["parent"] is None and rows["WEST"]["parent"] is None and rows["E1"]["parent"] == "EAST"


def test_the_member_list_api_with_a_grant(cube):
    user = make_user("rita", Role.PLANNER)
    grant(cube, user, "entity", "EAST", "write")
    client = Client()
    client.force_login(user)
    listed = client.get("/api/v1/models/acme/dimensions/entity/members/").json()
    assert sorted((m["code"], m["parent"]) for m in listed) == [("E1", "EAST"), ("E2", "EAST"), ("EAST", None)]
    everything = client.get("/api/v1/models/acme/dimensions/account/members/").json()
    assert everything == MemberSerializer(list(cube.model.dimensions.get(code="account").members.all()), many=True).data
