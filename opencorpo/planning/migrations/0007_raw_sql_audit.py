"""Writes to planning_fact that bypass the application (raw SQL by an operator, a restore script) are audited too:
statement-level triggers copy their old and new values into planning_factchange with source 'sql' and bump the
cube's data version, so caches and snapshots see them. The application audits its own writes with more context
(user, batch, source) and marks its transactions with `SET LOCAL opencorpo.audited = 'on'` (`cube_lock`), which
the triggers skip; so nothing is audited twice."""

from django.db import migrations

SLOTS = "version_id, period_id, m1, m2, m3, m4, m5, m6"
KEY = " AND ".join(f"o.{c.strip()} = n.{c.strip()}" for c in ("cube_id", *SLOTS.split(",")))
PICK = ", ".join(f"coalesce(n.{c.strip()}, o.{c.strip()})" for c in ("model_id", "cube_id", *SLOTS.split(",")))

NEW_ROWS = "SELECT n.model_id, n.cube_id, " + ", ".join(f"n.{c.strip()}" for c in SLOTS.split(",")) + (
    ", NULL::float8 AS old_value, n.value AS new_value FROM changed_new n"
)
OLD_ROWS = "SELECT o.model_id, o.cube_id, " + ", ".join(f"o.{c.strip()}" for c in SLOTS.split(",")) + (
    ", o.value AS old_value, NULL::float8 AS new_value FROM changed_old o"
)
BOTH_ROWS = (
    f"SELECT {PICK}, o.value AS old_value, n.value AS new_value FROM changed_old o FULL JOIN changed_new n ON {KEY} "
    "WHERE o.value IS DISTINCT FROM n.value OR o.cube_id IS NULL OR n.cube_id IS NULL"
)


def record(rows: str) -> str:
    return f"""WITH changes (model_id, cube_id, {SLOTS}, old_value, new_value) AS ({rows}),
        bumped AS (
            UPDATE planning_cube c SET data_version = c.data_version + 1
            WHERE c.id IN (SELECT DISTINCT cube_id FROM changes) RETURNING c.id, c.data_version)
        INSERT INTO planning_factchange (model_id, cube_id, {SLOTS}, old_value, new_value, source, batch,
            changed_by_id, data_version, changed_at)
        SELECT s.model_id, s.cube_id, s.version_id, s.period_id, s.m1, s.m2, s.m3, s.m4, s.m5, s.m6,
               s.old_value, s.new_value, 'sql', md5(txid_current()::text || clock_timestamp()::text)::uuid, NULL,
               b.data_version, now()
        FROM changes s JOIN bumped b ON b.id = s.cube_id;"""


AUDIT = f"""
CREATE FUNCTION planning_audit_outside_app() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('opencorpo.audited', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        {record(NEW_ROWS)}
    ELSIF TG_OP = 'DELETE' THEN
        {record(OLD_ROWS)}
    ELSE
        {record(BOTH_ROWS)}
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER planning_fact_audit_insert AFTER INSERT ON planning_fact
    REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION planning_audit_outside_app();
CREATE TRIGGER planning_fact_audit_update AFTER UPDATE ON planning_fact
    REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION planning_audit_outside_app();
CREATE TRIGGER planning_fact_audit_delete AFTER DELETE ON planning_fact
    REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION planning_audit_outside_app();
"""

DROP = """
DROP TRIGGER IF EXISTS planning_fact_audit_insert ON planning_fact;
DROP TRIGGER IF EXISTS planning_fact_audit_update ON planning_fact;
DROP TRIGGER IF EXISTS planning_fact_audit_delete ON planning_fact;
DROP FUNCTION IF EXISTS planning_audit_outside_app();
"""


class Migration(migrations.Migration):
    dependencies = [("planning", "0006_closed_guard")]
    operations = [migrations.RunSQL(AUDIT, DROP)]
