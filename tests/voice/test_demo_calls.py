"""Demo mode: a simulated call plays through the real webhooks, and the outbox shows it turn by
turn beside the pages the engine sent."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from messaging.models import CallSession, Escalation
from tests.factories import on_call_weekly, sign_in

NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def demo(settings, world, time_machine):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_FROM_NUMBER = ""
    settings.USES_EMBEDDED_SERVICES = True
    time_machine.move_to(NIGHT, tick=False)
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    world.therapist.user.phone = "+15550100001"
    world.therapist.user.save(update_fields=["phone"])
    on_call_weekly(world)
    return world


def test_a_simulated_3am_call_reaches_the_therapist_and_shows_in_the_outbox(client, demo):
    out = StringIO()
    call_command(
        "simulate_call",
        caller="+15550102030",
        press="1",
        answer_as=demo.therapist.user.email,
        stdout=out,
    )
    printed = out.getvalue()
    assert "call 911" in printed and "ringing +15550100001" in printed
    assert "Crisis call from Cleo for Tess Therapist. Press 1 to take it." in printed
    escalation = Escalation.objects.get()
    assert escalation.state == "acknowledged" and escalation.acknowledged_by == demo.therapist.user
    session = CallSession.objects.get()
    assert session.connected_to == demo.therapist.user

    sign_in(client, demo.therapist)
    page = client.get(reverse("outbox")).content.decode()
    assert "Calls to the answering service" in page
    assert "Tess Therapist took the call live" in page
    assert "Ringing Tess Therapist" in page


def test_a_simulated_voicemail_is_triaged(client, demo):
    call_command(
        "simulate_call",
        caller="+15550102030",
        press="2",
        say="I want to end my life tonight",
        stdout=StringIO(),
    )
    assert Escalation.objects.get().message.channel == "phone"
