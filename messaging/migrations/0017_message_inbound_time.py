"""An index for the oversight dashboard: a practice's inbound messages by time.

The dashboard counts a period's inbound messages (per week, per hour, over the weekly limit);
without it PostgreSQL reads every message the practice ever had to find the period's. Only an
index is added: no table is rewritten and the contact log's triggers are not touched.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0016_check_ins_and_caring_contacts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["practice", "direction", "received_at"], name="message_inbound_time"
            ),
        ),
    ]
