"""The approval history is append-only: the database refuses to change or delete an event."""

from django.db import migrations

CREATE = """
CREATE FUNCTION governance_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the approval history is append-only: % refused', TG_OP;
END $$;

CREATE TRIGGER governance_approvalevent_append_only
    BEFORE UPDATE OR DELETE ON governance_approvalevent
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_event_change();
"""

DROP = """
DROP TRIGGER IF EXISTS governance_approvalevent_append_only ON governance_approvalevent;
DROP FUNCTION IF EXISTS governance_refuse_event_change();
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
