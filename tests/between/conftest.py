"""Fixtures for check-ins and caring messages: Twilio with its stub transport, signed SMS,
and a client in a crisis period under an agreement that turns check-ins on."""

from itertools import count

import pytest

from messaging.notifications import backends
from tests.between.support import CLIENT_PHONE, MONDAY_9AM, THERAPIST_PHONE, crisis_week
from tests.between.support import post_signed_sms as _post
from tests.notifications.twilio_stub import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    StubTwilioTransport,
)


@pytest.fixture
def twilio(settings, monkeypatch) -> StubTwilioTransport:
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    settings.SITE_URL = "https://contact.example.test"
    transport = StubTwilioTransport()
    monkeypatch.setattr(backends, "twilio_http_client", lambda: transport)
    return transport


@pytest.fixture
def signed_sms(client, twilio):
    """Post a Twilio-signed inbound SMS from the client's phone."""
    numbers = count(1)

    def post(body: str, sender: str = CLIENT_PHONE):
        return _post(client, body, sid=f"SMin{next(numbers):030d}", sender=sender)

    return post


@pytest.fixture
def phones(world):
    for member, phone in ((world.client, CLIENT_PHONE), (world.therapist, THERAPIST_PHONE)):
        member.user.phone = phone
        member.user.save(update_fields=["phone"])
    return world


@pytest.fixture
def in_crisis(phones, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    agreement, period = crisis_week(phones)
    return phones, agreement, period
