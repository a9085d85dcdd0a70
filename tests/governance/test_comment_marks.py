"""Comment counts in grid and report answers: at the cells' positions, fresh on every read although the answer
itself comes from the cache (comments do not move the data version), and never on a cell the reader cannot see."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opencorpo.accounts.access import access_scope
from opencorpo.core import metrics
from opencorpo.governance.comments import comment_add, comment_marks
from opencorpo.planning.context import cube_versions
from opencorpo.planning.grid import grid_read
from opencorpo.planning.readcache import cache_key
from opencorpo.planning.serializers import grid_query
from opencorpo.reports.models import Report
from opencorpo.reports.services import report_data

pytestmark = pytest.mark.django_db
API = "/api/v1/models/acme/cubes/pl"
ENTITIES = ["WORLD", "EAST", "E1", "E2", "WEST", "W1"]
QUERY = {
    "rows": [{"dimension": "entity", "members": ENTITIES}],
    "columns": [{"dimension": "account", "members": ["NI", "RENT"]}],
    "filters": {"time": "2026-01", "version": "budget"},
}


def cell(entity: str, account: str = "RENT", time: str = "2026-01", version: str = "budget") -> dict[str, str]:
    return {"account": account, "entity": entity, "time": time, "version": version}


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read(user, query: dict | None = None) -> dict:
    answer = client_of(user).post(f"{API}/query", query or QUERY, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


@pytest.fixture
def commented(cube, people):
    ada, pia = people["ada"], people["pia"]
    comment_add(cube, cell("E1"), "Rent rises in January.", pia)
    comment_add(cube, cell("E1"), "Agreed.", ada)  # the same cell: two comments
    comment_add(cube, cell("W1"), "West rent is a guess.", ada)
    comment_add(cube, cell("WORLD", account="NI"), "Total looks low.", ada)  # on a total
    comment_add(cube, cell("E1", time="2026-02"), "Another month.", ada)  # not on screen: another filter member
    comment_add(cube, cell("E1", version="forecast"), "Another version.", ada)
    return cube


def test_counts_sit_at_the_commented_cells_of_the_answer(commented, people):
    answer = read(people["ada"])
    # rows WORLD, EAST, E1, E2, WEST, W1 × columns NI, RENT
    assert answer["comments"] == [[0, 0, 1], [2, 1, 2], [5, 1, 1]]
    swapped = read(people["ada"], {**QUERY, "rows": QUERY["columns"], "columns": QUERY["rows"]})
    assert swapped["comments"] == [[0, 0, 1], [1, 2, 2], [1, 5, 1]]
    february = read(people["ada"], {**QUERY, "filters": {"time": "2026-02", "version": "budget"}})
    assert february["comments"] == [[2, 1, 1]]
    none = read(people["ada"], {**QUERY, "filters": {"time": "2026-03", "version": "budget"}})
    assert none["comments"] == []


def test_a_restricted_planner_gets_no_count_for_a_cell_they_cannot_see(commented, people):
    pia = people["pia"]  # plans EAST: no WORLD (a total over WEST), no WEST
    answer = read(pia, {**QUERY, "rows": [{"dimension": "entity", "descendants_of": "WORLD"}]})
    assert [h[0]["code"] for h in answer["rows"]["headers"]] == ["EAST", "E1", "E2"]
    assert answer["comments"] == [[1, 1, 2]]
    # Even handed another reader's answer naming hidden cells, the counts stop at what this reader may read.
    everything = grid_read(cube=commented, query=grid_query(QUERY), user=people["ada"])
    assert comment_marks(commented, people["ada"], everything) == [[0, 0, 1], [2, 1, 2], [5, 1, 1]]
    assert comment_marks(commented, pia, everything) == [[2, 1, 2]]
    assert comment_marks(commented, people["vic"], everything) == [[0, 0, 1], [2, 1, 2], [5, 1, 1]]  # viewer: all


def test_counting_takes_the_same_number_of_queries_however_many_comments(commented, people):
    ada = people["ada"]
    answer = grid_read(cube=commented, query=grid_query(QUERY), user=ada)
    comment_marks(commented, ada, answer)  # warm the structure cache
    with CaptureQueriesContext(connection) as few:
        comment_marks(commented, ada, answer)
    for entity in ENTITIES:
        for account in ("NI", "RENT"):
            comment_add(commented, cell(entity, account=account), "One more.", ada)
    with CaptureQueriesContext(connection) as many:
        marks = comment_marks(commented, ada, answer)
    assert sum(n for _, _, n in marks) == 4 + 12
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db(transaction=True)  # committed reads are the ones that fill the cache
def test_a_new_comment_shows_on_the_next_read_of_a_cached_answer(commented, people):
    ada = people["ada"]
    first = read(ada)
    hits = metrics.CACHE_REQUESTS.labels("hit")._value.get()
    comment_add(commented, cell("E2"), "New here.", people["pia"])
    second = read(ada)
    assert metrics.CACHE_REQUESTS.labels("hit")._value.get() == hits + 1  # the numbers came from the cache …
    assert second["data_version"] == first["data_version"] and second["values"] == first["values"]
    assert second["comments"] == [[0, 0, 1], [2, 1, 2], [3, 1, 1], [5, 1, 1]]  # … the counts did not
    data_version, structure = cube_versions(commented.pk)
    key = cache_key(
        commented.pk, data_version, structure, grid_query(QUERY), access_scope(ada, commented.model_id).digest
    )
    assert "comments" not in json.loads(cache.get(key))  # counts are never stored with the answer


def test_report_answers_carry_the_counts_of_their_reader(commented, people):
    report = Report.objects.create(
        model=commented.model, cube=commented, code="rent", name="Rent", definition={"query": QUERY}, shared=True
    )
    assert report_data(report, people["ada"])["comments"] == [[0, 0, 1], [2, 1, 2], [5, 1, 1]]
    mine = {**QUERY, "rows": [{"dimension": "entity", "children_of": "EAST"}]}
    Report.objects.create(
        model=commented.model, cube=commented, code="east", name="East", definition={"query": mine}, shared=True
    )
    answer = client_of(people["pia"]).get("/api/v1/models/acme/reports/east/data")
    assert answer.status_code == 200 and answer.json()["comments"] == [[0, 1, 2]]  # E1, E2 × NI, RENT
