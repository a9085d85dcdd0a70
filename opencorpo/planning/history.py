"""Cell history: every recorded change of one leaf cell, newest first, for readers allowed to see the cell."""

from __future__ import annotations

from typing import Any

from django.db import connection

from opencorpo.accounts.access import access_scope
from opencorpo.planning.context import cube_context
from opencorpo.planning.models import FACT_SLOTS, Cube
from opencorpo.planning.visibility import Visible


def cell_history(*, cube: Cube, coordinate: dict[str, str], user: Any, limit: int = 200) -> list[dict[str, Any]]:
    context = cube_context(cube)
    visible = Visible(context, access_scope(user, cube.model_id))
    slots = dict.fromkeys(FACT_SLOTS, 0)
    for info, _, member_id in visible.leaf_cell(coordinate, "", "history is kept per leaf cell, so name a leaf"):
        slots[info.slot] = member_id
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT c.changed_at, u.username, c.source, c.batch, c.old_value, c.new_value, c.data_version
                FROM planning_factchange c LEFT JOIN auth_user u ON u.id = c.changed_by_id
                WHERE c.cube_id = %s AND {" AND ".join(f"c.{slot} = %s" for slot in FACT_SLOTS)}
                ORDER BY c.data_version DESC, c.id DESC LIMIT %s""",
            [cube.pk, *(slots[s] for s in FACT_SLOTS), limit],
        )
        rows = cursor.fetchall()
    keys = ("changed_at", "user", "source", "batch", "old_value", "new_value", "data_version")
    return [dict(zip(keys, (row[0].isoformat(), row[1], row[2], str(row[3]), *row[4:]), strict=True)) for row in rows]
