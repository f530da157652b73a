"""What a page says: the client's first name, a callback number and the link — never the body.

Pages cross SMS and email providers, voicemail and lock screens; what the client wrote stays in
the app, behind paged care-team access.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messaging.escalation import lifecycle
from messaging.escalation.acks import ack_token
from messaging.intake.services import message_receive
from messaging.models import ContactMethod, Escalation, Message, Notification

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))
BODY = "I took all my pills, I want it to be over, zebra-orchid"


@pytest.fixture
def night(time_machine):
    time_machine.move_to(NIGHT, tick=False)
    return time_machine


@pytest.fixture
def paged_by_every_channel(world):
    """The therapist is paged by SMS, voice, email and in the app."""
    for position, (kind, address) in enumerate(
        [("sms", "+15550107777"), ("voice", "+15550107777"), ("email", "t@harbour.test")]
    ):
        ContactMethod.objects.create(
            user=world.therapist.user, kind=kind, address=address, position=position
        )
    ContactMethod.objects.create(user=world.therapist.user, kind="in_app", position=3)


def _crisis(world, **extra):
    return message_receive(
        practice=world.practice, channel="portal", body=BODY, sender=world.client, **extra
    )


def _the_body_is_not_in(text: str) -> None:
    for part in (BODY, "zebra-orchid", "pills", "over"):
        assert part not in text


def test_every_page_gives_first_name_callback_and_link_never_the_body(
    world, night, paged_by_every_channel
):
    world.client.user.phone = "+15550100011"
    world.client.user.save(update_fields=["phone"])
    received = _crisis(world)
    lifecycle.escalation_tick()
    pages = list(Notification.objects.filter(escalation__message=received.message, purpose="page"))
    assert {p.channel for p in pages} == {"sms", "voice", "email", "in_app"}
    for page in pages:
        assert page.subject == "Crisis: Cleo needs a clinician now"
        assert "Cleo" in page.body and "Client" not in page.body, "first name only"
        assert "Call Cleo back on +15550100011." in page.body
        assert f"/ack/{ack_token(page)}/" in page.body
        assert f"reply ACK {page.ack_code}" in page.body
        _the_body_is_not_in(page.subject + page.body)


def test_no_number_on_file_says_so_and_still_links(world, night):
    received = _crisis(world)
    lifecycle.escalation_tick()
    page = Notification.objects.filter(escalation__message=received.message, purpose="page").first()
    assert "No callback number on file: open the link." in page.body
    assert "/ack/" in page.body
    _the_body_is_not_in(page.body)


def test_an_unknown_caller_is_called_back_on_the_number_they_texted_from(world, night):
    received = message_receive(
        practice=world.practice,
        channel="sms",
        body=BODY,
        sender=None,
        sender_address="+15550123456",
    )
    lifecycle.escalation_tick()
    page = Notification.objects.filter(escalation__message=received.message, purpose="page").first()
    assert page.subject == "Crisis: An unknown caller needs a clinician now"
    assert "Call them back on +15550123456." in page.body
    _the_body_is_not_in(page.body)


def test_the_admins_incident_gives_first_name_callback_and_link(world, night):
    world.client.user.phone = "+15550100011"
    world.client.user.save(update_fields=["phone"])
    received = _crisis(world)
    escalation = Escalation.objects.get(message=received.message)
    for _ in range(7):  # two rounds of three steps, then the incident
        lifecycle.escalation_tick()
        night.shift(timedelta(minutes=5))
    incidents = Notification.objects.filter(escalation=escalation, purpose="incident")
    assert incidents.exists()
    for incident in incidents:
        assert "Cleo" in incident.body and "Cleo Client" not in incident.body
        assert "+15550100011" in incident.body
        assert f"/escalations/{escalation.pk}/" in incident.body
        _the_body_is_not_in(incident.body)


def test_the_page_about_a_joined_message_never_carries_its_body(world, night):
    first = _crisis(world)
    lifecycle.escalation_tick()
    second = _crisis(world, declared_emergency=True)
    assert Message.objects.get(pk=second.message.pk).joined_escalation is not None
    joined = Notification.objects.filter(
        escalation__message=first.message, idempotency_key__contains=":joined:"
    )
    assert joined.exists()
    for page in joined:
        assert page.subject == "Crisis: Cleo sent another crisis message"
        _the_body_is_not_in(page.subject + page.body)
