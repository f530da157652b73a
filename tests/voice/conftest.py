"""Fixtures for the answering-service tests: Twilio's signing secret, and its REST transport
stubbed (the voice pages go through the real ``twilio`` client)."""

import pytest

from messaging.notifications import backends
from tests.notifications.twilio_stub import ACCOUNT_SID, FROM_NUMBER, StubTwilioTransport
from tests.voice.calls import AUTH_TOKEN


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
