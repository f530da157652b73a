"""The answering service in a real browser: a 3 a.m. call that presses 1 reaches a clinician
live and stops the paging; one that presses 2 leaves a voicemail that is triaged and answered.

Twilio's side is played by signed requests to the live server, following the TwiML each turn
returns (the redirect, the dial, the whisper's key press); the engine moves by its real tick,
with the clock under the test's control.
"""

from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from agreements import services as agreement_services
from messaging.escalation import lifecycle as engine
from messaging.models import Escalation, Message, Notification
from tests.factories import activate_agreement, browser_sign_in, on_call_weekly

NEW_YORK = ZoneInfo("America/New_York")
AUTH_TOKEN = "twilio-voice-journey-token"
PRACTICE_LINE = "+15550100100"
CLIENT_PHONE = "+15550102001"
THERAPIST_PHONE = "+15550101001"
ON_CALL_PHONE = "+15550101002"
CALL_SID = "CA" + "a" * 32


@pytest.fixture
def night(live_server, world, settings, time_machine):
    settings.SITE_URL = live_server.url
    settings.USES_EMBEDDED_SERVICES = True
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    agreement_services.practice_update_settings(
        practice=world.practice, by=world.admin.user, changes={"phone_line": PRACTICE_LINE}
    )
    for member, phone in (
        (world.client, CLIENT_PHONE),
        (world.therapist, THERAPIST_PHONE),
        (world.other_therapist, ON_CALL_PHONE),
    ):
        member.user.phone = phone
        member.user.save(update_fields=["phone"])
    on_call_weekly(world, "Nights")
    time_machine.move_to(datetime(2026, 11, 24, 3, 0, tzinfo=NEW_YORK), tick=True)
    return world


class Twilio:
    """Plays Twilio's part: posts each turn signed, as Twilio would, and reads the TwiML."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url

    def post(self, url: str, **params) -> ElementTree.Element | None:
        """The TwiML answered (None for a callback answered 204, no content)."""
        if url.startswith("/"):
            url = self.base_url + url
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = self.page.request.post(
            url, form=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status in (200, 204), response.text()
        return ElementTree.fromstring(response.text()) if response.status == 200 else None


def call(**extra) -> dict:
    return {"CallSid": CALL_SID, "From": CLIENT_PHONE, "To": PRACTICE_LINE, **extra}


def said(root) -> str:
    return " ".join(element.text or "" for element in root.iter("Say"))


def test_a_3am_call_pressing_1_reaches_the_on_call_live_after_the_wait(
    night, live_server, new_page, time_machine
):
    world = night
    twilio = Twilio(new_page(), live_server.url)
    greeting = twilio.post("/webhooks/voice/", **call())
    assert "The office is closed now" in said(greeting)
    help_now = twilio.post(greeting.find("Gather").get("action"), **call(Digits="1"))
    assert "call 911" in said(help_now) and "988" in said(help_now)

    # The call rings whoever the engine's first step paged: Tess, who sleeps through it.
    ringing = twilio.post(help_now.find("Redirect").text, **call())
    assert [n.text for n in ringing.iter("Number")] == [THERAPIST_PHONE]
    time_machine.shift(timedelta(minutes=5, seconds=1))
    ringing = twilio.post(ringing.find("Dial").get("action"), **call(DialCallStatus="no-answer"))
    [owen] = list(ringing.iter("Number"))
    assert owen.text == ON_CALL_PHONE

    # Owen picks up, hears the whisper, presses 1: he has the caller live.
    leg = {"CallSid": "CA" + "b" * 32, "ParentCallSid": CALL_SID}
    whisper = twilio.post(owen.get("url"), **leg)
    assert said(whisper) == "Crisis call from Cleo for Tess Therapist. Press 1 to take it."
    taken = twilio.post(whisper.find("Gather").get("action"), **leg, Digits="1")
    assert said(taken) == "Connecting you now."

    escalation = Escalation.objects.get()
    assert escalation.acknowledged_by == world.other_therapist.user
    # The paging stops: no third step, ever.
    time_machine.shift(timedelta(minutes=30))
    engine.escalation_tick()
    assert not Notification.objects.filter(escalation=escalation, step_index=2).exists()

    # Owen's escalation page says so, and the outbox shows the call turn by turn.
    page = new_page()
    browser_sign_in(page, live_server.url, world.other_therapist.user.email)
    page.goto(f"{live_server.url}/escalations/{escalation.pk}/")
    expect(page.get_by_test_id("escalation-state")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("timeline")).to_contain_text("Owen Other acknowledged (phone call)")
    page.goto(f"{live_server.url}/outbox/")
    expect(page.get_by_text("Owen Other took the call live")).to_be_visible()


def test_a_3am_call_pressing_2_leaves_a_voicemail_that_is_triaged_and_answered(
    night, live_server, new_page, time_machine
):
    world = night
    activate_agreement(world)
    twilio = Twilio(new_page(), live_server.url)
    greeting = twilio.post("/webhooks/voice/", **call())
    voicemail = twilio.post(greeting.find("Gather").get("action"), **call(Digits="2"))
    assert "Tess Therapist replies to messages within 2 business days." in said(voicemail)
    record = voicemail.find("Record")
    recording = {
        "RecordingSid": "RE" + "c" * 32,
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/REc",
        "RecordingDuration": "9",
    }
    goodbye = twilio.post(record.get("action"), **call(**recording))
    assert goodbye.find("Hangup") is not None
    twilio.post(
        record.get("transcribeCallback"),
        **call(
            **recording,
            TranscriptionStatus="completed",
            TranscriptionText="Hi, it's Cleo. Could we move Thursday's session to Friday?",
        ),
    )
    message = Message.objects.get(direction="inbound")
    assert message.current_decision.category == "logistics"
    assert Notification.objects.get(purpose="auto_reply").address == CLIENT_PHONE

    # In the morning Tess finds it in her inbox and answers; the answer goes by text.
    time_machine.move_to(datetime(2026, 11, 24, 9, 5, tzinfo=NEW_YORK), tick=True)
    page = new_page()
    browser_sign_in(page, live_server.url, world.therapist.user.email)
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.get_by_role("link", name="Cleo Client").first.click()
    expect(page.get_by_test_id("message-body")).to_contain_text("move Thursday's session")
    page.get_by_label("Reply").fill("Friday at 10 works. See you then.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent")).to_be_visible()
    reply = Notification.objects.get(purpose="reply")
    assert reply.channel == "sms" and reply.address == CLIENT_PHONE
