"""One event per link of a partition, one head per partition, and the signed anchors of the chains.

Anchors are append-only as events are: on PostgreSQL the trigger function of migration 0002
refuses UPDATE and DELETE of them too.
"""

import django.db.models.deletion
from django.db import migrations, models

CREATE_TRIGGER = """
CREATE TRIGGER aidsys_auditanchor_append_only BEFORE UPDATE OR DELETE ON aidsys_auditanchor
    FOR EACH ROW EXECUTE FUNCTION aidsys_audit_append_only();
"""
DROP_TRIGGER = "DROP TRIGGER IF EXISTS aidsys_auditanchor_append_only ON aidsys_auditanchor;"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("aidsys", "0009_audit_partitions")]

    operations = [
        migrations.AlterField(
            model_name="auditchainhead",
            name="partition",
            field=models.CharField(max_length=24, unique=True),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("partition", "seq"), name="audit_one_event_per_link"),
        ),
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("partition", models.CharField(max_length=24, verbose_name="chain")),
                ("seq", models.PositiveBigIntegerField(verbose_name="number of the sealed event")),
                ("head_hash", models.CharField(max_length=64, verbose_name="hash of the sealed event")),
                ("event_count", models.PositiveBigIntegerField(verbose_name="events")),
                ("created_at", models.DateTimeField(verbose_name="sealed at")),
                ("key_id", models.CharField(max_length=16, verbose_name="key")),
                ("signature", models.CharField(max_length=64, verbose_name="signature")),
            ],
            options={
                "verbose_name": "audit anchor",
                "verbose_name_plural": "audit anchors",
                "ordering": ["partition", "seq"],
                "constraints": [
                    models.UniqueConstraint(fields=("partition", "seq"), name="audit_one_anchor_per_link")
                ],
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("partition", models.CharField(max_length=24, unique=True)),
                ("checked_at", models.DateTimeField()),
                (
                    "anchor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="aidsys.auditanchor"
                    ),
                ),
            ],
            options={"verbose_name": "audit checkpoint"},
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
