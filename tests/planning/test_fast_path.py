"""The fast read path (DuckDB snapshot + delta) equals the plain PostgreSQL path, and cached answers are never stale."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencorpo.core import metrics
from opencorpo.core.models import Job
from opencorpo.core.services import job_run
from opencorpo.planning import structure
from opencorpo.planning.cells import CellWrite, cells_write
from opencorpo.planning.grid import GridQuery, Selection, grid_read
from opencorpo.planning.models import Cube, DimensionKind
from opencorpo.planning.snapshots import snapshot_build, snapshot_latest
from tests.planning.conftest import ACCOUNTS, ENTITIES

pytestmark = pytest.mark.django_db(transaction=True)
PRODUCTS = [
    {"code": "ALL", "name": "All products"},
    {"code": "GOODS", "name": "Goods", "parent": "ALL"},
    {"code": "G1", "name": "Goods one", "parent": "GOODS"},
    {"code": "G2", "name": "Goods two", "parent": "GOODS"},
    {"code": "RETURNS", "name": "Returns", "parent": "ALL", "weight": -1},
]
LEAVES = {
    "account": ["SALES", "DISC", "RENT", "WAGES", "HC"],
    "entity": ["E1", "E2", "W1"],
    "product": ["G1", "G2", "RETURNS"],
    "time": ["2026-01", "2026-02", "2026-03", "2026-06", "2026-12"],
    "version": ["actual", "budget"],
}
SELECTIONS = {
    "account": [{"members": ("NI", "REV", "HC", "MARGIN")}, {"descendants_of": "NI"}, {"leaves_of": "COST"}],
    "entity": [{"children_of": "WORLD", "include_parent": "after"}, {"members": ("E1", "WEST")}],
    "product": [{"members": ("ALL", "GOODS", "RETURNS")}, {"leaves_of": "ALL"}],
    "time": [{"children_of": "FY2026"}, {"members": ("FY2026", "2026-03", "FY2026-Q1")}],
    "version": [{"members": ("actual", "budget")}],
}
FILTER_MEMBERS = {"account": "NI", "entity": "WORLD", "product": "ALL", "time": "FY2026", "version": "budget"}


@pytest.fixture
def cube(transactional_db) -> Cube:
    model = structure.model_create(code="fast", name="Fast", first_fiscal_year=2026, years=1)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ACCOUNT), upserts=ACCOUNTS)
    structure.members_bulk(dimension=model.dimensions.get(kind=DimensionKind.ENTITY), upserts=ENTITIES)
    product = structure.dimension_create(model=model, code="product", name="Product")
    structure.members_bulk(dimension=product, upserts=PRODUCTS)
    return structure.cube_create(
        model=model, code="pl", name="P&L", dimensions=["account", "entity", "product", "time", "version"]
    )


def cell(account: str, entity: str, product: str, time: str, version: str) -> dict[str, str]:
    return {"account": account, "entity": entity, "product": product, "time": time, "version": version}


def both_paths(cube: Cube, query: GridQuery) -> tuple[dict, dict]:
    cache.clear()
    fast = grid_read(cube=cube, query=query, path="snapshot")
    cache.clear()
    plain = grid_read(cube=cube, query=query, path="database")
    return fast, plain


cells = st.tuples(*(st.sampled_from(LEAVES[d]) for d in ("account", "entity", "product", "time", "version")))
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("write"),
            st.lists(st.tuples(cells, st.one_of(st.none(), st.integers(-500, 500).map(float))), min_size=1, max_size=6),
        ),
        st.tuples(st.just("snapshot"), st.none()),
    ),
    min_size=1,
    max_size=6,
)
queries = st.builds(
    lambda row_dim, column_dim, row_pick, column_pick: (row_dim, column_dim, row_pick, column_pick),
    st.sampled_from(["account", "entity", "product"]),
    st.sampled_from(["time", "version", "entity"]),
    st.integers(0, 2),
    st.integers(0, 2),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=steps, query=queries)
def test_the_snapshot_path_equals_the_database_path_through_writes_and_snapshots(cube, history, query):
    for kind, batch in history:
        if kind == "snapshot":
            snapshot_build(cube_id=cube.pk)
            continue
        unique = {key: value for key, value in batch}
        cells_write(cube=cube, cells=[CellWrite(cell(*key), value) for key, value in unique.items()], user=None)
    row_dim, column_dim, row_pick, column_pick = query
    if row_dim == column_dim:
        column_dim = "time"
    rows = SELECTIONS[row_dim][row_pick % len(SELECTIONS[row_dim])]
    columns = SELECTIONS[column_dim][column_pick % len(SELECTIONS[column_dim])]
    filters = {d: m for d, m in FILTER_MEMBERS.items() if d not in {row_dim, column_dim}}
    grid = GridQuery(rows=(Selection(row_dim, **rows),), columns=(Selection(column_dim, **columns),), filters=filters)
    fast, plain = both_paths(cube, grid)
    assert _same(fast["values"], plain["values"])
    assert fast["row_versions"] == plain["row_versions"] and fast["editable"] == plain["editable"]


def _same(left: list, right: list) -> bool:
    for row_left, row_right in zip(left, right, strict=True):
        for a, b in zip(row_left, row_right, strict=True):
            assert (a is None) == (b is None), (left, right)
            if a is not None:
                assert a == pytest.approx(b, abs=1e-9), (left, right)
    return True


def test_a_cached_answer_is_never_older_than_the_last_write(cube):
    query = GridQuery(
        rows=(Selection("account", members=("NI",)),),
        columns=(Selection("version", members=("budget",)),),
        filters={"entity": "WORLD", "product": "ALL", "time": "FY2026"},
    )
    cells_write(cube=cube, cells=[CellWrite(cell("SALES", "E1", "G1", "2026-01", "budget"), 10.0)], user=None)
    snapshot_build(cube_id=cube.pk)
    hits = metrics.CACHE_REQUESTS.labels("hit")._value.get()
    assert grid_read(cube=cube, query=query)["values"] == [[10.0]]
    assert grid_read(cube=cube, query=query)["values"] == [[10.0]]
    assert metrics.CACHE_REQUESTS.labels("hit")._value.get() == hits + 1  # the repeat came from the cache
    cells_write(cube=cube, cells=[CellWrite(cell("RENT", "E2", "G2", "2026-02", "budget"), 4.0)], user=None)
    assert grid_read(cube=cube, query=query)["values"] == [[6.0]]  # the write is visible at once (delta)
    cells_write(cube=cube, cells=[CellWrite(cell("SALES", "E1", "G1", "2026-01", "budget"), None)], user=None)
    assert grid_read(cube=cube, query=query)["values"] == [[-4.0]]  # a deletion after the snapshot too


def test_a_read_without_a_snapshot_asks_a_worker_for_one_and_the_job_builds_it(cube):
    cells_write(cube=cube, cells=[CellWrite(cell("SALES", "E1", "G1", "2026-01", "budget"), 10.0)], user=None)
    query = GridQuery(
        rows=(Selection("account", members=("NI",)),), columns=(Selection("version", members=("budget",)),)
    )
    assert grid_read(cube=cube, query=query)["values"] == [[10.0]]  # answered from PostgreSQL meanwhile
    job = Job.objects.get(kind="snapshot.build")
    assert job.params == {"cube_id": cube.pk}
    job_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == "succeeded" and snapshot_latest(cube.pk, 10**9) == job.result["data_version"]


def test_a_snapshot_is_never_built_inside_a_transaction(cube):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError, match="outside any transaction"):
        snapshot_build(cube_id=cube.pk)


def test_answers_are_cached_in_redis_as_json_under_the_run_prefix(cube, settings):
    import json
    import os

    import redis

    prefix = f"{settings.CACHE_KEY_PREFIX}-redis"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["TEST_REDIS_URL"],
            "KEY_PREFIX": prefix,
            "TIMEOUT": None,
            "OPTIONS": {"SERIALIZER": "django_redis.serializers.json.JSONSerializer"},
        }
    }
    from django.core.cache import caches

    caches._settings = None  # type: ignore[attr-defined]  # re-read CACHES
    client = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    try:
        cells_write(cube=cube, cells=[CellWrite(cell("SALES", "E1", "G1", "2026-01", "budget"), 3.0)], user=None)
        query = GridQuery(
            rows=(Selection("account", members=("SALES",)),), columns=(Selection("version", members=("budget",)),)
        )
        assert grid_read(cube=cube, query=query)["values"] == [[3.0]]
        keys = client.keys(f"{prefix}:*")
        assert len(keys) == 1 and client.ttl(keys[0]) == -1  # no timer: the data version retires it
        stored = json.loads(json.loads(client.get(keys[0])))  # a JSON text, stored with the JSON serializer
        assert stored["values"] == [[3.0]] and stored["data_version"] == 1
        assert grid_read(cube=cube, query=query)["values"] == [[3.0]]
    finally:
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)
        caches._settings = None  # type: ignore[attr-defined]


def test_a_large_backlog_after_the_snapshot_is_read_from_postgresql_while_a_new_snapshot_is_built(cube, monkeypatch):
    from opencorpo.planning import snapshots

    cells_write(cube=cube, cells=[CellWrite(cell("SALES", "E1", "G1", "2026-01", "budget"), 1.0)], user=None)
    snapshot_build(cube_id=cube.pk)
    monkeypatch.setattr(snapshots, "DELTA_LIMIT", 2)
    many = [CellWrite(cell("RENT", e, "G2", "2026-02", "budget"), 2.0) for e in ("E1", "E2", "W1")]
    cells_write(cube=cube, cells=many, user=None)
    from opencorpo.planning import grid

    monkeypatch.setattr(grid, "delta_rows", lambda *a: pytest.fail("the backlog must not be loaded"))
    query = GridQuery(
        rows=(Selection("account", members=("NI",)),),
        columns=(Selection("version", members=("budget",)),),
        filters={"entity": "WORLD", "product": "ALL", "time": "FY2026"},
    )
    assert grid_read(cube=cube, query=query)["values"] == [[1.0 - 6.0]]
    assert Job.objects.filter(kind="snapshot.build").count() == 1
