"""One path in: every message is kept, triaged against the agreement, answered and logged."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import services
from agreements.models import CheckInCadence
from messaging.inbox import access, selectors
from messaging.inbox import services as inbox_services
from messaging.intake import selectors as intake_selectors
from messaging.models import ContactEvent, EventType, Message, MessageStatus
from messaging.notifications.services import notification_send
from messaging.triage import engine
from tests.factories import (
    NEW_YORK,
    TUESDAY_9PM,
    TUESDAY_10AM,
    activate_agreement,
    receive,
    sign_in_user,
)


def events_for(message):
    return list(ContactEvent.objects.filter(message=message).values_list("event_type", flat=True))


def test_logistics_in_office_hours_is_delivered_with_a_due_time(world):
    agreement = activate_agreement(world)
    received = receive(
        world, "Can we move Tuesday to 3pm?", declared_purpose="logistics", declared_emergency=False
    )
    decision = received.decision
    assert (decision.category, decision.disposition) == ("logistics", "deliver")
    assert decision.agreement == agreement and decision.agreement_version == agreement.version
    # 2 business days from Tuesday 10:00 → close of Thursday.
    assert decision.response_due_at.astimezone(NEW_YORK) == datetime(
        2026, 11, 26, 17, 0, tzinfo=NEW_YORK
    )
    assert received.message.status == MessageStatus.DELIVERED
    assert "Expect a reply Thursday by 17:00." in received.auto_reply.body
    assert received.auto_reply.channel == "portal" and received.auto_reply.is_automatic
    assert set(events_for(received.message)) == {
        EventType.MESSAGE_RECEIVED,
        EventType.MESSAGE_TRIAGED,
    }
    assert events_for(received.auto_reply) == [EventType.AUTO_REPLY_SENT]
    assert {r["code"] for r in decision.rules} >= {"declared_purpose", "delivered"}


def test_crisis_without_any_agreement_escalates_with_crisis_help_first(world):
    services.safety_plan_update(
        client=world.client,
        by=world.therapist.user,
        sections={"people_to_ask": "My sister Dana 555-0142"},
    )
    received = receive(
        world, "i cant do this anymore. i have the pills counted out", at=TUESDAY_9PM
    )
    assert received.decision.category == "crisis"
    assert received.decision.disposition == "escalate"
    assert received.message.status == MessageStatus.ESCALATED
    reply = received.auto_reply.body
    assert reply.startswith("If you are in danger now, call 911")
    assert "988" in reply and "Dana" in reply
    assert EventType.ESCALATION_REQUESTED in events_for(received.message)
    assert received.decision.matches, "the phrases behind the decision are recorded"


def test_declared_emergency_escalates_whatever_the_text_says(world):
    activate_agreement(world, frequency_limit_per_week=1)
    for _ in range(3):
        receive(world, "question about my invoice", declared_purpose="logistics")
    received = receive(world, "please call me", channel="email", declared_emergency=True)
    assert (received.decision.category, received.decision.disposition) == ("crisis", "escalate")


def test_clinical_content_is_held_for_the_next_session(world):
    activate_agreement(world, hold_clinical_for_session=True)
    session = inbox_services.therapy_session_schedule(
        client=world.client,
        by=world.therapist.user,
        starts_at=datetime(2026, 12, 1, 15, 0, tzinfo=NEW_YORK),
    )
    received = receive(
        world,
        "I had a dream about my dad again and I keep thinking about what it means",
        declared_purpose="clinical",
        declared_emergency=False,
    )
    assert received.decision.disposition == "hold_for_session"
    assert received.decision.response_due_at == session.starts_at
    assert received.message.status == MessageStatus.HELD_FOR_SESSION
    assert "saved for your session on Tuesday 1 December" in received.auto_reply.body
    prep = selectors.session_prep(client=world.client, now=TUESDAY_10AM)
    assert list(prep["held_messages"]) == [received.message]


def test_over_the_weekly_limit_is_held_kindly(world):
    activate_agreement(world, frequency_limit_per_week=2, hold_clinical_for_session=False)
    for hour in (9, 10):
        receive(
            world,
            "can you send the superbill",
            at=TUESDAY_10AM.replace(hour=hour),
            declared_purpose="logistics",
        )
    received = receive(
        world,
        "I keep thinking about what you said about my mother",
        at=TUESDAY_10AM.replace(hour=11),
        declared_purpose="clinical",
    )
    assert received.decision.over_frequency_limit
    assert received.decision.disposition == "hold_for_session"
    assert "this week" in received.auto_reply.body


def test_scheduling_over_the_weekly_limit_is_delivered_not_held(world):
    activate_agreement(world, frequency_limit_per_week=2, hold_clinical_for_session=True)
    for hour in (9, 10):
        receive(world, "a form question", at=TUESDAY_10AM.replace(hour=hour))
    received = receive(
        world,
        "can we move next week's session?",
        at=TUESDAY_10AM.replace(hour=11),
        declared_purpose="logistics",
    )
    assert received.decision.over_frequency_limit
    assert received.decision.disposition == "deliver"
    assert received.message.status == "delivered"
    assert received.decision.response_due_at is not None


def test_check_ins_during_a_crisis_period_are_welcome(world):
    activate_agreement(world, frequency_limit_per_week=1, hold_clinical_for_session=True)
    services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=TUESDAY_10AM - timedelta(days=1),
        ends_at=TUESDAY_10AM + timedelta(days=6),
        check_in_cadence=CheckInCadence.DAILY,
    )
    receive(
        world,
        "invoice question",
        at=TUESDAY_10AM - timedelta(hours=20),
        declared_purpose="logistics",
    )
    received = receive(
        world, "checking in, today was ok, slept a bit better", declared_purpose="clinical"
    )
    assert received.decision.is_check_in
    assert not received.decision.over_frequency_limit
    assert received.decision.disposition == "deliver"


def test_unknown_sender_is_kept_for_the_practice_and_seen_in_every_therapists_inbox(world):
    received = receive(
        world, "hi is this the clinic? need to reschedule", channel="sms", sender=None
    )
    assert received.message.client is None and received.message.practice == world.practice
    assert received.decision.disposition == "deliver"
    for therapist in (world.therapist, world.other_therapist):
        assert received.message in selectors.inbox_for_therapist(therapist=therapist)
    inbox_services.message_assign_client(
        message=received.message, by=world.therapist.user, client=world.client
    )
    received.message.refresh_from_db()
    assert received.message.client == world.client
    assert received.message not in selectors.inbox_for_therapist(therapist=world.other_therapist)


def test_a_provider_retry_does_not_create_the_message_twice(world):
    first = receive(world, "running 10 min late", channel="sms", provider_message_id="SM123")
    again = receive(world, "running 10 min late", channel="sms", provider_message_id="SM123")
    assert again.duplicate and again.message.pk == first.message.pk
    assert again.auto_reply.pk == first.auto_reply.pk
    assert Message.objects.filter(provider_message_id="SM123").count() == 1


def test_a_triage_failure_still_ends_in_a_decision_a_clinician_sees_now(world, monkeypatch):
    def broken(message, context):
        raise RuntimeError("bug in a rule")

    monkeypatch.setattr(engine, "triage", broken)
    received = receive(world, "something for my therapist", declared_purpose="clinical")
    assert received.decision.category == "urgent"
    assert received.decision.disposition == "deliver"
    assert received.decision.rules[0]["code"] == "triage_error"
    assert received.message in selectors.inbox_for_therapist(therapist=world.therapist)


def test_retriage_keeps_the_earlier_decision_and_says_why(world):
    activate_agreement(world)
    received = receive(world, "can we talk about the bill", declared_purpose="logistics")
    first = received.decision
    decision = inbox_services.message_retriage(
        message=received.message,
        by=world.therapist.user,
        category="urgent",
        disposition="deliver",
        reason="Insurance deadline is tomorrow",
    )
    assert decision.previous == first and decision.decided_by == world.therapist.user
    assert list(received.message.decisions.order_by("id")) == [first, decision]
    assert EventType.MESSAGE_RETRIAGED in events_for(received.message)
    with pytest.raises(ValidationError, match="always escalated"):
        inbox_services.message_retriage(
            message=received.message,
            by=world.therapist.user,
            category="crisis",
            disposition="deliver",
            reason="x",
        )


def test_reply_goes_back_on_the_clients_channel(world, django_capture_on_commit_callbacks):
    received = receive(
        world, "what's the invoice total", channel="email", declared_purpose="logistics"
    )
    with django_capture_on_commit_callbacks(execute=True):
        reply = inbox_services.message_reply(
            message=received.message, by=world.therapist.user, body="It's $120."
        )
    # It leaves as a notification, sent by a worker.
    [notification] = reply.notifications.all()
    notification_send(notification_id=notification.pk)
    received.message.refresh_from_db()
    assert received.message.status == MessageStatus.REPLIED
    assert reply.channel == "email"
    assert mail.outbox[-1].to == [world.client.user.email]
    assert mail.outbox[-1].body == "It's $120."


def test_every_read_of_a_body_is_logged(world):
    received = receive(world, "note for you", declared_purpose="clinical")
    for _ in range(2):
        inbox_services.message_body_read(message=received.message, by=world.therapist.user)
    reads = ContactEvent.objects.filter(message=received.message, event_type=EventType.MESSAGE_READ)
    assert reads.count() == 2
    received.message.refresh_from_db()
    assert received.message.read_at is not None


def test_session_notes_are_private_until_shared(world):
    note = inbox_services.session_note_save(client=world.client, body="talk about work")
    assert not selectors.session_prep(client=world.client)["shared_notes"].exists()
    inbox_services.session_note_share(note=note)
    prep = selectors.session_prep(client=world.client)
    assert list(prep["shared_notes"]) == [note]
    with pytest.raises(ValidationError, match="already shared"):
        inbox_services.session_note_save(client=world.client, body="edit", note=note)
    inbox_services.session_prep_mark_seen(
        client=world.client, by=world.therapist.user, message_ids=[], note_ids=[note.pk]
    )
    note.refresh_from_db()
    assert note.seen_at is not None


def test_inbox_is_sorted_by_urgency_then_due_time(world):
    activate_agreement(world, hold_clinical_for_session=False)
    logistics = receive(world, "reschedule please", declared_purpose="logistics")
    urgent = receive(
        world, "I ran out of my meds and the pharmacy is closed", declared_purpose="urgent"
    )
    crisis = receive(world, "I'm going to end it tonight", at=TUESDAY_9PM)
    inbox = list(selectors.inbox_for_therapist(therapist=world.therapist))
    assert inbox[:3] == [crisis.message, urgent.message, logistics.message]


def test_inbox_page_queries_stay_constant_as_messages_grow(client, world):
    activate_agreement(world, hold_clinical_for_session=False)
    sign_in_user(client, world.therapist.user)
    receive(world, "reschedule please", declared_purpose="logistics")
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("therapist_inbox")).status_code == 200
    for i in range(8):
        receive(world, f"question {i} about forms", declared_purpose="logistics")
    receive(world, "hi", channel="sms", sender=None)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("therapist_inbox")).status_code == 200
    assert len(many) == len(few)


def test_the_cover_sees_an_away_therapists_messages_while_they_are_away(world, time_machine):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    activate_agreement(world, hold_clinical_for_session=False)
    services.away_period_add(
        therapist=world.therapist,
        by=world.therapist.user,
        starts_at=TUESDAY_10AM - timedelta(days=1),
        ends_at=TUESDAY_10AM + timedelta(days=2),
        covering_therapist=world.other_therapist,
    )
    received = receive(world, "can we move friday?", declared_purpose="logistics")
    cover_inbox = selectors.inbox_for_therapist(therapist=world.other_therapist)
    assert received.message in cover_inbox
    assert access.access_message(viewer=world.other_therapist, message_id=received.message.pk)
    time_machine.move_to(TUESDAY_10AM + timedelta(days=3), tick=False)
    assert received.message not in selectors.inbox_for_therapist(therapist=world.other_therapist)


def test_a_broken_agreement_lookup_still_keeps_and_surfaces_the_message(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("calendar bug")

    monkeypatch.setattr(intake_selectors, "triage_context", broken)
    received = receive(world, "please call me", declared_emergency=True)
    assert received.decision.disposition == "escalate"
    assert received.decision.rules[0]["code"] == "triage_error"
    assert received.auto_reply.body.startswith("If you are in danger now, call 911")


def test_a_broken_auto_reply_falls_back_to_the_safe_reply(world, monkeypatch):
    from messaging.intake import services as intake

    def broken(*args, **kwargs):
        raise RuntimeError("template bug")

    monkeypatch.setattr(intake, "auto_reply", broken)
    received = receive(world, "can we move tuesday", declared_purpose="logistics")
    assert received.message.pk and received.decision.pk
    assert "911" in received.auto_reply.body and "clinician will see it" in received.auto_reply.body
