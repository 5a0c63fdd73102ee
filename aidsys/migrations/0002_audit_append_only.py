"""The audit chain's head row, and on PostgreSQL a trigger that refuses UPDATE and DELETE of events.

TRUNCATE stays possible (test flushes, a restore); the hash chain catches whatever gets past.
SQLite, the single-school trial, has no trigger: Django's flush deletes rows there.
"""

from django.db import migrations

CREATE_TRIGGER = """
CREATE FUNCTION aidsys_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER aidsys_auditevent_append_only BEFORE UPDATE OR DELETE ON aidsys_auditevent
    FOR EACH ROW EXECUTE FUNCTION aidsys_audit_append_only();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS aidsys_auditevent_append_only ON aidsys_auditevent;
DROP FUNCTION IF EXISTS aidsys_audit_append_only();
"""


def create_head(apps, schema_editor):
    apps.get_model("aidsys", "AuditChainHead").objects.get_or_create(pk=1)


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("aidsys", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
