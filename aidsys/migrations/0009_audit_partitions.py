"""The audit trail in partitions: each event gets its partition and its number in that chain.

Events written before partitions stay as they are, with the hashes they were written with: they
become the partition "legacy", numbered in the order they were written (the order the single
chain linked them), and the old head becomes that partition's head. Re-hashing them would have
meant trusting them unchecked; as they are, `verify_audit` checks them with their old hashes and
the first seal signs them. An empty trail leaves no legacy partition.

Numbering the events updates them: the append-only trigger (migration 0002) is lifted for that
one statement and put back at once, in the same transaction.
"""

from django.db import migrations, models

NUMBER_EVENTS = """
UPDATE aidsys_auditevent SET seq = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM aidsys_auditevent) AS numbered
WHERE aidsys_auditevent.id = numbered.id
"""


def number_legacy_events(apps, schema_editor):
    AuditChainHead = apps.get_model("aidsys", "AuditChainHead")
    AuditEvent = apps.get_model("aidsys", "AuditEvent")
    count = AuditEvent.objects.count()
    if count == 0:
        AuditChainHead.objects.all().delete()
        return
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE aidsys_auditevent DISABLE TRIGGER aidsys_auditevent_append_only")
    schema_editor.execute(NUMBER_EVENTS)
    if postgresql:
        schema_editor.execute("ALTER TABLE aidsys_auditevent ENABLE TRIGGER aidsys_auditevent_append_only")
    AuditChainHead.objects.filter(pk=1).update(partition="legacy", seq=count)


class Migration(migrations.Migration):
    dependencies = [("aidsys", "0008_remove_write_head")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="partition",
            field=models.CharField(default="legacy", max_length=24, verbose_name="chain"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(default=0, verbose_name="number in its chain"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="partition",
            field=models.CharField(default="legacy", max_length=24),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="seq",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(number_legacy_events, migrations.RunPython.noop),
    ]
