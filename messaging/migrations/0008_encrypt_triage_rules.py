import contactpolicy.fields
from django.db import migrations

# The rules that fired quote the detector's phrases and a clinician's re-triage reason, so they are
# encrypted at rest like the matches (see 0007): alter the column, then encrypt existing rows.


def encrypt_existing(apps, schema_editor):
    contactpolicy.fields.encrypted_columns_rewrite(
        apps, schema_editor, model="messaging.TriageDecision", columns=["rules"]
    )


def decrypt_existing(apps, schema_editor):
    contactpolicy.fields.encrypted_columns_rewrite(
        apps, schema_editor, model="messaging.TriageDecision", columns=["rules"], decrypt=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0007_encrypt_at_rest"),
    ]

    operations = [
        migrations.AlterField(
            model_name="triagedecision",
            name="rules",
            field=contactpolicy.fields.EncryptedJSONField(
                default=list, help_text="[{code, reason}] in the order they fired."
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
