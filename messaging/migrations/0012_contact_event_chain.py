"""The contact log becomes tamper-evident: each practice's events form a hash chain.

Existing rows are chained in the order they were written (by id). The table refuses UPDATE, so
the step that fills the new columns lifts the append-only triggers and puts them back within
this migration (it runs as the table's owner, like every migration); the last step installs
them again after SQLite's rebuild for the new constraint. The ``post_migrate`` receiver would
too, but the migration does not rely on it.
"""

import django.db.models.deletion
from django.db import migrations, models

from messaging.contactlog import chain
from messaging.contactlog import triggers as log_triggers

BATCH = 2000


def chain_existing_events(apps, schema_editor):
    ContactEvent = apps.get_model("messaging", "ContactEvent")
    ContactLogChain = apps.get_model("messaging", "ContactLogChain")
    db = schema_editor.connection.alias
    log_triggers.remove(schema_editor.connection)
    practice_ids = (
        ContactEvent.objects.using(db)
        .order_by("practice_id")
        .values_list("practice_id", flat=True)
        .distinct()
    )
    heads = []
    for practice_id in list(practice_ids):
        sequence, head = 0, chain.GENESIS
        batch = []
        events = ContactEvent.objects.using(db).filter(practice_id=practice_id).order_by("id")
        for event in events.iterator(chunk_size=BATCH):
            sequence += 1
            event.sequence, event.previous_hash = sequence, head
            event.hash = chain.event_hash(
                {name: getattr(event, name) for name in chain.FIELDS}, head
            )
            head = event.hash
            batch.append(event)
            if len(batch) >= BATCH:
                ContactEvent.objects.using(db).bulk_update(
                    batch, ["sequence", "previous_hash", "hash"]
                )
                batch = []
        if batch:
            ContactEvent.objects.using(db).bulk_update(batch, ["sequence", "previous_hash", "hash"])
        heads.append(
            ContactLogChain(
                practice_id=practice_id,
                sequence=sequence,
                hash=head,
                verified_hash=chain.GENESIS,
            )
        )
    ContactLogChain.objects.using(db).bulk_create(heads)
    log_triggers.install(schema_editor.connection)


def install_triggers(apps, schema_editor):
    log_triggers.install(schema_editor.connection)
    log_triggers.revoke_rewrites(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0003_practice_inbound_email_practice_inbound_sms_number_and_more"),
        ("messaging", "0011_inbound_envelope"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactLogChain",
            fields=[
                (
                    "practice",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="agreements.practice",
                    ),
                ),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
                ("verified_sequence", models.PositiveBigIntegerField(default=0)),
                ("verified_hash", models.CharField(max_length=64)),
                ("verified_at", models.DateTimeField(blank=True, null=True)),
                ("broken_at_sequence", models.PositiveBigIntegerField(blank=True, null=True)),
                ("broken_event_id", models.BigIntegerField(blank=True, null=True)),
                ("broken_reason", models.CharField(blank=True, max_length=200)),
            ],
        ),
        migrations.AddField(
            model_name="contactevent",
            name="sequence",
            field=models.PositiveBigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactevent",
            name="previous_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contactevent",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="contactevent",
            constraint=models.UniqueConstraint(
                fields=("practice", "sequence"), name="log_practice_sequence"
            ),
        ),
        migrations.RunPython(install_triggers, migrations.RunPython.noop),
    ]
