"""Exact query budget for ``notification_send``, run by a worker for every page and message.

The count is what the code does today, with the reason beside it; a change either way should
be a decision. pytest-django's transaction makes each ``atomic()`` a SAVEPOINT and a RELEASE.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from messaging.escalation import lifecycle
from messaging.models import Notification
from messaging.notifications.services import notification_send
from tests.factories import receive

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))
CRISIS = "I took all my pills, I want it to be over"

#  4  claim: SAVEPOINT, lock the row, UPDATE attempts and lease, RELEASE (the provider is
#     called outside any transaction)
#  3  record: SAVEPOINT, lock the row again, UPDATE status and provider id
#  8  the "sent" log row: the escalation, its message, the recipient, the practice, the client,
#     the decision and the therapist that contact_event_record fills in, then the INSERT
#  2  its place in the practice's hash chain: lock the chain head, move it on
#  1  RELEASE
SEND = 18


@pytest.mark.parametrize("channel", ["in_app", "email"])
def test_sending_one_page(world, time_machine, django_assert_num_queries, channel):
    time_machine.move_to(NIGHT, tick=False)
    receive(world, CRISIS, at=NIGHT)
    lifecycle.escalation_tick()
    page = Notification.objects.get(purpose="page", channel=channel)
    with django_assert_num_queries(SEND):
        sent = notification_send(notification_id=page.pk)
    assert sent.status == "sent"
    assert len(mail.outbox) == (1 if channel == "email" else 0)
