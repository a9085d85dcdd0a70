"""The partitioned fact table (LIST by cube, then by version) and the append-only guard on the fact audit."""

from django.db import migrations

FACTS = """
CREATE TABLE planning_fact (
    model_id    bigint NOT NULL,
    cube_id     bigint NOT NULL,
    version_id  bigint NOT NULL,
    period_id   bigint NOT NULL,
    m1 bigint NOT NULL DEFAULT 0,
    m2 bigint NOT NULL DEFAULT 0,
    m3 bigint NOT NULL DEFAULT 0,
    m4 bigint NOT NULL DEFAULT 0,
    m5 bigint NOT NULL DEFAULT 0,
    m6 bigint NOT NULL DEFAULT 0,
    value       double precision NOT NULL,
    row_version integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cube_id, version_id, period_id, m1, m2, m3, m4, m5, m6)
) PARTITION BY LIST (cube_id);

CREATE FUNCTION planning_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the fact audit is append-only: % refused', TG_OP;
END $$;

CREATE TRIGGER planning_factchange_append_only
    BEFORE UPDATE OR DELETE ON planning_factchange
    FOR EACH ROW EXECUTE FUNCTION planning_refuse_audit_change();
"""

DROP = """
DROP TRIGGER IF EXISTS planning_factchange_append_only ON planning_factchange;
DROP FUNCTION IF EXISTS planning_refuse_audit_change();
DROP TABLE IF EXISTS planning_fact;
"""


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_structure")]
    operations = [migrations.RunSQL(FACTS, DROP)]
