"""Repeated crisis messages from one client while their escalation is open join it: linked,
logged, the current pager told; each message still gets crisis help at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from messaging.escalation import lifecycle
from messaging.intake.services import message_receive
from messaging.models import ContactEvent, Escalation, EventType, Message, Notification
from tests.factories import sign_in_user

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def night(time_machine):
    time_machine.move_to(NIGHT, tick=False)
    return time_machine


def crisis(world, sender="client", channel="portal"):
    return message_receive(
        practice=world.practice,
        channel=channel,
        body="I took all my pills, I want it to be over",
        sender=getattr(world, sender),
        declared_emergency=True,
    )


def _joined_pages(escalation, message):
    return Notification.objects.filter(
        escalation=escalation, idempotency_key__contains=f":joined:m{message.pk}:"
    )


def test_a_second_crisis_while_paging_joins_and_the_current_pager_is_told(world, night):
    first = crisis(world)
    lifecycle.escalation_tick()  # step 1 pages the therapist
    escalation = Escalation.objects.get(message=first.message)
    night.shift(timedelta(minutes=2))
    second = crisis(world, channel="sms")

    assert Escalation.objects.filter(client=world.client).count() == 1, "no parallel chain"
    message = Message.objects.get(pk=second.message.pk)
    assert message.joined_escalation == escalation
    assert message.status == "escalated"
    # Crisis help at once, on the channel it came in on.
    assert second.auto_reply.body.startswith("If you are in danger now, call 911")
    assert second.auto_reply.channel == "sms"
    joined = ContactEvent.objects.get(event_type=EventType.ESCALATION_JOINED)
    assert joined.message_id == message.pk and joined.details["escalation"] == escalation.pk
    pages = _joined_pages(escalation, message)
    assert pages.exists()
    assert {p.recipient for p in pages} == {world.therapist.user}
    assert all(p.purpose == "page" and p.ack_code for p in pages)
    # The chain itself goes on as before: the next step is still due at its own time.
    escalation.refresh_from_db()
    assert escalation.step_index == 1 and escalation.next_action_at == NIGHT + timedelta(minutes=5)


def test_after_acknowledgement_the_acknowledger_is_told(world, night):
    first = crisis(world)
    lifecycle.escalation_tick()
    night.shift(timedelta(minutes=5))
    lifecycle.escalation_tick()  # step 2: nobody on call, so the admins
    escalation = Escalation.objects.get(message=first.message)
    lifecycle.escalation_acknowledge(escalation_id=escalation.pk, by=world.admin.user, via="in_app")
    night.shift(timedelta(minutes=30))
    second = crisis(world)
    assert second.message.joined_escalation == escalation
    assert {p.recipient for p in _joined_pages(escalation, second.message)} == {world.admin.user}


def test_a_crisis_long_after_the_acknowledgement_gets_a_chain_of_its_own(world, night):
    first = crisis(world)
    lifecycle.escalation_tick()
    escalation = Escalation.objects.get(message=first.message)
    lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.therapist.user, via="in_app"
    )
    night.shift(lifecycle.JOIN_AFTER_ACKNOWLEDGED + timedelta(seconds=1))
    second = crisis(world)
    assert second.message.joined_escalation is None
    assert Escalation.objects.get(message=second.message).state == "active"


def test_after_an_outcome_or_an_incident_a_new_crisis_starts_a_new_chain(world, night):
    first = crisis(world)
    lifecycle.escalation_tick()
    escalation = Escalation.objects.get(message=first.message)
    lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.therapist.user, via="in_app"
    )
    lifecycle.escalation_record_outcome(
        escalation_id=escalation.pk,
        by=world.therapist.user,
        client_contacted=True,
        outcome="safety_confirmed",
    )
    second = crisis(world)
    assert Escalation.objects.filter(message=second.message).exists()

    # The new chain runs out unacknowledged (two rounds of three steps): an incident.
    for _ in range(7):
        night.shift(timedelta(minutes=5))
        lifecycle.escalation_tick()
    assert Escalation.objects.get(message=second.message).state == "exhausted"
    third = crisis(world)
    assert Escalation.objects.get(message=third.message).state == "active"


def test_crises_of_different_clients_never_join(world, night):
    crisis(world)
    other = crisis(world, sender="other_client")
    assert Escalation.objects.filter(message=other.message).exists()
    assert Escalation.objects.count() == 2


def test_a_joined_message_is_idempotent(world, night):
    first = crisis(world)
    lifecycle.escalation_tick()
    second = crisis(world)
    again = lifecycle.escalation_start(
        message=Message.objects.get(pk=second.message.pk), decision=second.decision
    )
    assert again == Escalation.objects.get(message=first.message)
    assert ContactEvent.objects.filter(event_type=EventType.ESCALATION_JOINED).count() == 1


def test_the_escalation_page_links_the_joined_message(client, world, night):
    first = crisis(world)
    lifecycle.escalation_tick()
    second = crisis(world)
    escalation = Escalation.objects.get(message=first.message)
    sign_in_user(client, world.therapist.user)
    html = client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode()
    assert reverse("message_detail", args=[second.message.pk]) in html
    assert "Crisis message joined the open escalation" in html, "the timeline shows the join"


def test_a_crisis_never_joins_an_urgent_escalation(world, night):
    """An escalation paging for an urgent call back reads URGENT to whoever it pages; a crisis
    during it starts a crisis chain of its own instead of hiding inside it."""
    from messaging.models import TriageDecision

    first = crisis(world)
    # The first escalation stands for an urgent call back (urgent after hours, sent on call).
    TriageDecision.objects.filter(pk=first.decision.pk).update(category="urgent")
    lifecycle.escalation_tick()
    night.shift(timedelta(minutes=2))
    second = crisis(world)
    assert second.message.joined_escalation is None
    assert Escalation.objects.filter(client=world.client).count() == 2
    assert Escalation.objects.get(message=second.message).state == "active"
