"""Times are shown in the viewer's time zone on every page, whatever the practice's zone.

The practice is in New York; the people reading here are in Berlin and Tokyo. The moments are
on the night Berlin's clocks go back (Sunday 25 October 2026, 03:00 CEST → 02:00 CET), so
00:30 and 01:30 UTC are both 02:30 in Berlin, 20:30 and 21:30 the evening before in New York,
and a page that fell back to the practice's zone or to UTC would show otherwise.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from agreements.middleware import UserTimezoneMiddleware
from agreements.models import Membership
from messaging.escalation.acks import ack_token
from messaging.escalation.lifecycle import escalation_tick
from messaging.intake.services import message_receive
from messaging.models import Notification
from tests.factories import activate_agreement, sign_in

BEFORE_CHANGE = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
AFTER_CHANGE = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
BERLIN = "Europe/Berlin"
TOKYO = "Asia/Tokyo"
PERSONA_ZONES = {
    "client": BERLIN,
    "therapist": TOKYO,
    "admin": "Australia/Sydney",
    "operator": "America/Los_Angeles",
}


def _live_in(membership: Membership, zone: str) -> None:
    Membership.objects.filter(pk=membership.pk).update(time_zone=zone)


def _receive(world, body, at, **declared):
    return message_receive(
        practice=world.practice,
        channel="portal",
        body=body,
        sender=world.client,
        received_at=at,
        **declared,
    )


@pytest.mark.parametrize("persona", sorted(PERSONA_ZONES))
def test_every_signed_in_request_runs_in_the_viewers_zone(world, persona):
    """The middleware wraps every page: during the view, the current zone is the viewer's."""
    membership = getattr(world, persona)
    zone = PERSONA_ZONES[persona]
    _live_in(membership, zone)
    membership.user.refresh_from_db()
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = membership.user
    UserTimezoneMiddleware(view)(request)
    assert seen == [zone]
    assert timezone.get_current_timezone_name() == "UTC"  # and nothing leaks to the next one


def test_the_client_reads_their_messages_in_their_own_zone_across_the_clock_change(client, world):
    _live_in(world.client, BERLIN)
    activate_agreement(world)
    for at, body in ((BEFORE_CHANGE, "Before the change"), (AFTER_CHANGE, "After the change")):
        _receive(world, body, at, declared_purpose="logistics", declared_emergency=False)
    sign_in(client, world.client)
    page = client.get(reverse("client_messages")).content.decode()
    assert page.count("Sun 25 Oct, 02:30") >= 2
    assert "20:30" not in page and "21:30" not in page  # New York
    assert "00:30" not in page and "01:30" not in page  # UTC


def test_the_therapist_reads_a_message_in_their_own_zone(client, world):
    _live_in(world.therapist, TOKYO)
    activate_agreement(world)
    received = _receive(world, "Can we move Tuesday?", AFTER_CHANGE, declared_purpose="logistics")
    sign_in(client, world.therapist)
    page = client.get(reverse("message_detail", args=[received.message.pk])).content.decode()
    assert "received Sun 25 Oct 2026 10:30" in page  # 01:30 UTC in Tokyo (UTC+9, no DST)


@pytest.fixture
def paged(world, time_machine):
    """A crisis at 01:30 UTC; the therapist (in Berlin) is paged and holds the link."""
    _live_in(world.therapist, BERLIN)
    time_machine.move_to(AFTER_CHANGE, tick=False)
    received = _receive(world, "I took all my pills", AFTER_CHANGE, declared_emergency=True)
    escalation_tick()
    page = Notification.objects.filter(
        escalation=received.message.escalation, purpose="page", recipient=world.therapist.user
    ).first()
    return reverse("escalation:ack_link", args=[ack_token(page)])


def test_the_acknowledgement_link_opened_without_signing_in_uses_the_recipients_zone(client, paged):
    page = client.get(paged).content.decode()
    assert "Sun 25 Oct, 02:30 CET" in page
    done = client.post(paged).content.decode()
    assert "Thank you" in done and "02:30" not in done  # nothing to time on a win

    again = client.get(paged).content.decode()
    assert "Already acknowledged" in again and "Sun 25 Oct, 02:30 CET" in again


def test_the_acknowledgement_link_opened_signed_in_uses_the_viewers_zone(client, world, paged):
    _live_in(world.therapist, TOKYO)
    sign_in(client, world.therapist)
    assert "Sun 25 Oct, 10:30 JST" in client.get(paged).content.decode()


def test_the_history_filters_days_in_the_viewers_zone(client, world):
    """22:30 UTC on the 24th is already the 25th in Berlin; 21:30 UTC is still the 24th."""
    _live_in(world.client, BERLIN)
    activate_agreement(world)
    zone = ZoneInfo(BERLIN)
    late = _receive(
        world,
        "Late",
        datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
        declared_purpose="logistics",
        declared_emergency=False,
    )
    earlier = _receive(
        world,
        "Earlier",
        datetime(2026, 10, 24, 21, 30, tzinfo=UTC),
        declared_purpose="logistics",
        declared_emergency=False,
    )
    sign_in(client, world.client)
    day = date(2026, 10, 25).isoformat()
    rows = client.get(reverse("contact_log"), {"start": day, "end": day}).context["page"].rows
    messages = {row.message_id for row in rows if row.event_type == "message.received"}
    assert messages == {late.message.pk}, [
        (r.event_type, r.occurred_at.astimezone(zone)) for r in rows
    ]
    assert earlier.message.pk not in messages


def test_the_csv_export_gives_times_in_the_viewers_zone_and_says_which(client, world):
    _live_in(world.therapist, TOKYO)
    activate_agreement(world)
    _receive(world, "Can we move Tuesday?", AFTER_CHANGE, declared_purpose="logistics")
    sign_in(client, world.therapist)
    response = client.get(reverse("contact_log_csv"))
    assert response["X-Time-Zone"] == TOKYO
    body = b"".join(response.streaming_content).decode()
    assert "2026-10-25T10:30:00+09:00" in body  # the auto-reply, sent as the message came
    assert "+00:00" not in body
