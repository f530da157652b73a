"""``manage.py generate_contact_log``: the benchmark's rows are chained like every other row, on
both backends (COPY on PostgreSQL, INSERTs on SQLite), and the append-only triggers still hold."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from messaging.contactlog.services import contact_log_verify
from messaging.models import ContactEvent, EventType


def test_generated_rows_verify_and_stay_append_only(world):
    practice = world.practice
    before = ContactEvent.objects.filter(practice=practice).count()
    call_command("generate_contact_log", rows=1200, practice_id=practice.pk, stdout=None)
    events = ContactEvent.objects.filter(practice=practice)
    assert events.count() == before + 1200
    verified = contact_log_verify(practice_id=practice.pk)
    assert not verified.broken
    assert verified.sequence == before + 1200
    row = events.filter(details__generated=True).order_by("sequence").first()
    assert row.event_type in EventType.values
    assert row.details == {"generated": True}
    assert row.occurred_at.tzinfo is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        ContactEvent.objects.filter(pk=row.pk).update(summary="rewritten")
