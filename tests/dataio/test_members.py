"""Member imports in parent–child form: a whole tree in one transaction, other columns become attributes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from opencorpo.accounts.roles import Role
from opencorpo.planning.models import Member
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/models/acme/dimensions/entity/import"


@pytest.fixture
def modeller(cube) -> Client:
    client = Client()
    client.force_login(make_user("mo", Role.MODELLER))
    return client


def send(client: Client, text: str):
    return client.post(URL, {"file": SimpleUploadedFile("entities.csv", text.encode())})


def test_a_parent_child_file_creates_a_tree_with_attributes(modeller):
    response = send(
        modeller, "code,name,parent,currency,Cost centre\nNORTH,North,WORLD,EUR,CC100\nN1,North one,NORTH,,CC110\n"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    n1 = Member.objects.get(code="N1")
    assert (n1.parent.code, n1.attributes) == ("NORTH", {"Cost centre": "CC110"})
    assert Member.objects.get(code="NORTH").currency == "EUR"


def test_a_bad_tree_is_refused_whole(modeller):
    response = send(modeller, "code,name,parent\nSOUTH,South,WORLD\nS1,South one,NOWHERE\n")
    assert response.status_code == 400 and "NOWHERE" in response.json()["error"]["message"]
    assert not Member.objects.filter(code="SOUTH").exists()
    response = send(modeller, "name,parent\nX,WORLD\n")
    assert response.status_code == 400 and "needs a 'code' column" in response.json()["error"]["message"]


def test_only_modellers_import_members(cube):
    planner = Client()
    planner.force_login(make_user("pia", Role.PLANNER))
    assert send(planner, "code,name\nZ,Z\n").status_code == 403
