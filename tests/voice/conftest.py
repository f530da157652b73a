"""Fixtures for the answering-service tests: Twilio's signing secret, and its REST transport
stubbed (the voice pages go through the real ``twilio`` client)."""

import pytest

from agreements import services as agreement_services
from messaging.notifications import backends
from tests.factories import on_call_weekly
from tests.notifications.twilio_stub import ACCOUNT_SID, FROM_NUMBER, StubTwilioTransport
from tests.voice.calls import (
    AUTH_TOKEN,
    CLIENT_PHONE,
    ON_CALL_PHONE,
    PRACTICE_LINE,
    THERAPIST_PHONE,
    THREE_AM,
)


@pytest.fixture(autouse=True)
def _twilio_secret(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""


@pytest.fixture
def twilio(settings, monkeypatch) -> StubTwilioTransport:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.SITE_URL = "https://contact.example.test"
    transport = StubTwilioTransport()
    monkeypatch.setattr(backends, "twilio_http_client", lambda: transport)
    return transport


@pytest.fixture
def night(time_machine):
    time_machine.move_to(THREE_AM, tick=False)
    return time_machine


@pytest.fixture
def phones(world):
    """The practice's line, the client's phone, and the phones of the therapist and on-call."""
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
    on_call_weekly(world)
    return world
