"""Pages by phone call: who and how urgent, no clinical detail, "press 1 to acknowledge" through
the real twilio client (stub transport), and the call's final status kept on the page."""

from datetime import datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from messaging.escalation import lifecycle
from messaging.intake.services import message_receive
from messaging.models import ContactMethod, Notification
from messaging.notifications.services import notification_send
from tests.voice.calls import signed_post, turn

NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=ZoneInfo("America/New_York"))
CRISIS = "I took all my pills and I want it to be over"


@pytest.fixture
def voice_page(world, twilio, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    ContactMethod.objects.create(
        user=world.therapist.user, kind="voice", address="+15550100001", position=0
    )
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    message_receive(practice=world.practice, channel="portal", body=CRISIS, sender=world.client)
    lifecycle.escalation_tick()
    page = Notification.objects.get(purpose="page", channel="voice")
    twilio.replies.append((201, {"sid": "CA" + "c" * 32, "status": "queued"}))
    notification_send(notification_id=page.pk)
    page.refresh_from_db()
    return page


def twiml_of(twilio) -> ElementTree.Element:
    [call] = [r for r in twilio.requests if r["url"].endswith("/Calls.json")]
    return ElementTree.fromstring(call["data"]["Twiml"])


def test_a_voice_page_says_who_and_how_urgent_and_takes_press_1(world, twilio, voice_page):
    root = twiml_of(twilio)
    words = " ".join(e.text or "" for e in root.iter("Say"))
    assert "CRISIS at Harbour Therapy: Cleo needs a clinician now." in words
    assert "5 5 5 0 1 0 2 0 3 0" in words  # the callback number, digit by digit
    assert CRISIS not in words and "pills" not in words
    assert "http" not in words and "Press 1 to acknowledge." in words
    assert root.find("Gather").get("action") == (
        f"https://contact.example.test{reverse('voice_page_answer')}?notification={voice_page.pk}"
    )
    assert voice_page.provider_id == "CA" + "c" * 32


def test_pressing_1_on_the_page_call_acknowledges(client, world, twilio, voice_page):
    answer = turn(
        client,
        "voice_page_answer",
        {"CallSid": voice_page.provider_id, "Digits": "1"},
        notification=voice_page.pk,
    )
    words = ElementTree.fromstring(answer.content).find("Say").text
    assert answer.status_code == 200 and words.startswith("Acknowledged. Paging has stopped.")
    escalation = voice_page.escalation
    escalation.refresh_from_db()
    assert escalation.state == "acknowledged" and escalation.acknowledged_via == "voice"
    again = turn(
        client,
        "voice_page_answer",
        {"CallSid": voice_page.provider_id, "Digits": "1"},
        notification=voice_page.pk,
    )
    assert b"Acknowledged" in again.content


def test_another_calls_answer_cannot_acknowledge_this_page(client, world, twilio, voice_page):
    answer = turn(
        client,
        "voice_page_answer",
        {"CallSid": "CA" + "d" * 32, "Digits": "1"},
        notification=voice_page.pk,
    )
    assert b"could not be found" in answer.content
    voice_page.escalation.refresh_from_db()
    assert voice_page.escalation.state == "active"


@pytest.mark.parametrize(
    ("status", "recorded"),
    [("busy", "call busy"), ("no-answer", "call not answered"), ("failed", "call failed")],
)
def test_a_page_call_nobody_answered_is_recorded_on_it(
    client, world, twilio, voice_page, status, recorded
):
    params = {"CallSid": voice_page.provider_id, "CallStatus": status}
    response = signed_post(client, reverse("twilio_status_callback"), params)
    assert response.status_code == 204
    voice_page.refresh_from_db()
    assert voice_page.status == "failed" and voice_page.last_error == recorded
    # The same callback again changes nothing.
    signed_post(client, reverse("twilio_status_callback"), params)
    voice_page.refresh_from_db()
    assert voice_page.last_error == recorded
