"""Fact-table partitions: one per cube, sub-partitioned per version, so growth stays local and drops are cheap."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def _cube_table(cube_id: int) -> str:
    return f"planning_fact_c{int(cube_id)}"


def partitions_ensure(*, cube_id: int, version_ids: Iterable[int]) -> None:
    """Create the cube's partition (with a default sub-partition) and one sub-partition per version."""
    cube_table = _cube_table(cube_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {cube_table} PARTITION OF planning_fact "
            f"FOR VALUES IN ({int(cube_id)}) PARTITION BY LIST (version_id)"
        )
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {cube_table}_default PARTITION OF {cube_table} DEFAULT")
        for version_id in version_ids:
            # fillfactor 90 leaves room on each page, so a value update stays a HOT update (no index churn)
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {cube_table}_v{int(version_id)} PARTITION OF {cube_table} "
                f"FOR VALUES IN ({int(version_id)}) WITH (fillfactor = 90)"
            )


def partitions_drop_cube(*, cube_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_cube_table(cube_id)}")


def partitions_drop_version(*, cube_id: int, version_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_cube_table(cube_id)}_v{int(version_id)}")
