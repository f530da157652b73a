"""Fixtures for the notification tests: Twilio configured with a stub transport, or not at all."""

import pytest

from messaging.notifications import backends
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
def no_twilio(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_FROM_NUMBER = ""
