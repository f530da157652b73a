"""The contact log refuses UPDATE and DELETE at the database, not only in code."""

from django.db import migrations

from messaging.contactlog import triggers as log_triggers


def forward(apps, schema_editor):
    log_triggers.install(schema_editor.connection)


def backward(apps, schema_editor):
    log_triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
