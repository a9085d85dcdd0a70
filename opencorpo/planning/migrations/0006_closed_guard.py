"""The database refuses fact writes into a locked version or a closed period, whoever writes (the app, an import,
the admin, raw SQL): `planning_closed` lists every locked version and every leaf month that is locked itself or
under a locked quarter or year (kept by the app on every lock change), and statement-level triggers check each
INSERT, UPDATE and DELETE on planning_fact against it with their transition tables."""

from django.db import migrations

GUARD = """
CREATE TABLE planning_closed (member_id bigint PRIMARY KEY);

CREATE FUNCTION planning_refuse_closed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hit bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT c.member_id INTO hit FROM changed_new n
            JOIN planning_closed c ON c.member_id IN (n.version_id, n.period_id) LIMIT 1;
    END IF;
    IF hit IS NULL AND TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT c.member_id INTO hit FROM changed_old o
            JOIN planning_closed c ON c.member_id IN (o.version_id, o.period_id) LIMIT 1;
    END IF;
    IF hit IS NOT NULL THEN
        RAISE EXCEPTION 'opencorpo-closed:%', hit
            USING ERRCODE = 'check_violation',
                  HINT = 'The version or period is locked; ask an approver to unlock it before changing values.';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER planning_fact_closed_insert AFTER INSERT ON planning_fact
    REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION planning_refuse_closed();
CREATE TRIGGER planning_fact_closed_update AFTER UPDATE ON planning_fact
    REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION planning_refuse_closed();
CREATE TRIGGER planning_fact_closed_delete AFTER DELETE ON planning_fact
    REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION planning_refuse_closed();

WITH RECURSIVE down AS (
    SELECT id FROM planning_member WHERE locked
    UNION SELECT m.id FROM planning_member m JOIN down d ON m.parent_id = d.id)
INSERT INTO planning_closed (member_id) SELECT id FROM down ON CONFLICT DO NOTHING;
"""

DROP = """
DROP TRIGGER IF EXISTS planning_fact_closed_insert ON planning_fact;
DROP TRIGGER IF EXISTS planning_fact_closed_update ON planning_fact;
DROP TRIGGER IF EXISTS planning_fact_closed_delete ON planning_fact;
DROP FUNCTION IF EXISTS planning_refuse_closed();
DROP TABLE IF EXISTS planning_closed;
"""


class Migration(migrations.Migration):
    dependencies = [("planning", "0005_formulas_rates_branches_allocations")]
    operations = [migrations.RunSQL(GUARD, DROP)]
