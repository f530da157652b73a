"""What the client is told about an escalation, end to end: the auto-reply, the status page and
the pages say the same thing the engine does, and urgent is never treated as a crisis."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from agreements import services
from messaging.escalation import lifecycle
from messaging.models import Escalation, Message, Notification
from tests.factories import on_call_weekly, sign_in

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))
URGENT_TEXT = "I ran out of my meds and the pharmacy is closed"
CRISIS_SCREEN = "We're getting you help now"


@pytest.fixture
def night(time_machine):
    time_machine.move_to(NIGHT, tick=False)
    return time_machine


@pytest.fixture
def on_call(world):
    schedule = on_call_weekly(world)
    return schedule


@pytest.fixture
def urgent_any_time(world):
    """An agreement that sends urgent portal messages on call after hours."""
    user = world.therapist.user
    draft = services.agreement_start_draft(client=world.client, by=user)
    services.agreement_update_draft(
        agreement=draft,
        by=user,
        terms={},
        channel_rules={
            "portal": {
                "enabled": True,
                "allow_logistics": True,
                "allow_urgent": True,
                "after_hours_allowed": True,
            }
        },
        response_windows={},
    )
    services.agreement_propose(agreement=draft, by=user)
    return services.agreement_accept(agreement=draft, by=world.client.user)


def _send_urgent(client, world) -> Message:
    sign_in(client, world.client)
    response = client.post(
        reverse("message_compose"), {"emergency": "no", "purpose": "urgent", "body": URGENT_TEXT}
    )
    message = Message.objects.get(direction="inbound")
    assert response["Location"] == reverse("client_message_detail", args=[message.pk])
    return message


def _status(client, message) -> str:
    return client.get(reverse("client_message_detail", args=[message.pk])).content.decode()


def test_urgent_after_hours_is_urgent_everywhere(client, world, night, on_call, urgent_any_time):
    message = _send_urgent(client, world)
    decision = message.current_decision
    assert (decision.category, decision.disposition) == ("urgent", "escalate")

    reply = message.replies.get(is_automatic=True)
    assert not reply.body.startswith("If you are in danger now")
    assert reply.body.startswith(
        "Thank you, Cleo. Your message is urgent. We&#x27;ve asked Tess Therapist to call you "
        "back now.".replace("&#x27;", "'")
    )
    assert "If they haven't answered by 02:05, we'll contact Owen Other" in reply.body

    page = _status(client, message)
    assert CRISIS_SCREEN not in page
    assert "Urgent: a clinician will call you back" in page

    api = client.get(reverse("api:message", args=[message.pk])).json()
    assert api["crisis_help"] is False and api["category"] == "urgent"

    assert lifecycle.escalation_tick() == 1
    pages = Notification.objects.filter(purpose="page", recipient=world.therapist.user)
    assert pages and all(p.body.startswith("URGENT at Harbour Therapy:") for p in pages)
    assert not any("CRISIS" in p.body or "Crisis" in p.subject for p in pages)
    assert all(p.subject.startswith("Urgent:") for p in pages)


def test_the_status_page_follows_the_escalation_until_someone_calls(
    client, world, night, on_call, urgent_any_time
):
    message = _send_urgent(client, world)
    lifecycle.escalation_tick()
    assert "We&#x27;ve asked Tess Therapist to call you back now." in _status(client, message)

    night.move_to(NIGHT + timedelta(minutes=5))
    assert lifecycle.escalation_tick() == 1
    page = _status(client, message)
    assert "We&#x27;ve asked Owen Other (the on-call clinician) to call you back now." in page
    assert "If they haven&#x27;t answered by 02:10, we&#x27;ll contact Ada Admin." in page
    assert "We keep trying until 02:30, then the practice team is alerted." in page
    assert 'http-equiv="refresh"' in page

    escalation = Escalation.objects.get(message=message)
    lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.other_therapist.user, via="app"
    )
    page = _status(client, message)
    assert "Owen Other has your message and is calling you now." in page
    assert 'http-equiv="refresh"' not in page
    update = message.replies.filter(is_automatic=True).order_by("id").last()
    assert update.body.startswith("Owen Other has your message and is calling you now.")


def test_a_crisis_shows_crisis_help_and_who_is_contacted(client, world, night, on_call):
    sign_in(client, world.client)
    client.post(reverse("message_help_now"))
    message = Message.objects.get(direction="inbound")
    page = _status(client, message)
    assert CRISIS_SCREEN in page
    assert "We&#x27;re contacting Tess Therapist now." in page
    assert "we&#x27;ll contact Owen Other (the on-call clinician)" in page
    reply = message.replies.get(is_automatic=True)
    assert reply.body.startswith("If you are in danger now")
    assert "We're contacting Tess Therapist now." in reply.body
    api = client.get(reverse("api:message", args=[message.pk])).json()
    assert api["crisis_help"] is True
    lifecycle.escalation_tick()
    page_bodies = Notification.objects.filter(purpose="page").values_list("body", flat=True)
    assert all(body.startswith("CRISIS at Harbour Therapy:") for body in page_bodies)
    assert json.dumps(list(page_bodies))
