"""Caring messages after a crisis: started by the therapist under the agreement, sent in their
name on the schedule, replies triaged, stopped at once by STOP, the signed link or the portal."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements import services as agreement_services
from messaging.between import services
from messaging.between.tick import between_tick
from messaging.models import (
    CaringContact,
    CaringSchedule,
    ContactEvent,
    EventType,
    InboundEnvelope,
    Message,
    Notification,
)
from messaging.notifications.services import notification_send
from tests.between.support import CLIENT_PHONE, MONDAY_9AM, NEW_YORK, crisis_week
from tests.factories import activate_agreement, sign_in


def _send_pending():
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        notification_send(notification_id=pk)


@pytest.fixture
def after_crisis(phones, time_machine):
    """A crisis period that has ended; the agreement turns caring messages on, by SMS."""
    time_machine.move_to(MONDAY_9AM, tick=False)
    _, period = crisis_week(
        phones, days=3, caring_contacts_enabled=True, caring_contacts_channel="sms"
    )
    time_machine.move_to(MONDAY_9AM + timedelta(days=3, hours=6), tick=False)
    return phones, period


def _start(world, period, bodies=("Thinking of you.", "Hoping the week is kind to you.")):
    return services.caring_contacts_start(
        client=world.client,
        by=world.therapist.user,
        bodies=list(bodies),
        after_crisis_period=period,
    )


def test_a_year_of_messages_in_the_therapists_name(after_crisis, twilio, time_machine):
    world, period = after_crisis
    plan = _start(world, period)
    contacts = list(plan.contacts.order_by("position"))
    assert len(contacts) == 12
    assert [c.body for c in contacts[:3]] == [
        "Thinking of you.",
        "Hoping the week is kind to you.",
        "Thinking of you.",
    ]
    assert contacts[0].due_at == datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)  # day 1, 10:00
    assert ContactEvent.objects.filter(event_type=EventType.CARING_STARTED).count() == 1
    time_machine.move_to(contacts[0].due_at + timedelta(seconds=1), tick=False)
    between_tick()
    _send_pending()
    (text,) = [r["data"] for r in twilio.requests]
    assert text["To"] == CLIENT_PHONE
    assert text["Body"].startswith("Thinking of you.\n— Tess Therapist")
    assert "Reply STOP to stop these messages." in text["Body"]
    message = Message.objects.get(direction="outbound", author=world.therapist.user)
    assert message.channel == "sms"
    event = ContactEvent.objects.get(event_type=EventType.CARING_SENT)
    assert event.message_id == message.pk and "1 of 12" in event.summary
    between_tick()
    assert len(twilio.requests) == 1, "each message is sent once"


def test_caring_messages_need_the_agreement_and_a_crisis(phones, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    _, period = crisis_week(phones, days=1)  # caring messages not in the agreement
    with pytest.raises(ValidationError, match="doesn't include caring messages"):
        _start(phones, period)
    with pytest.raises(ValidationError, match="follow a crisis"):
        services.caring_contacts_start(
            client=phones.client, by=phones.therapist.user, bodies=["Hi"]
        )


def test_stop_by_sms_is_honoured_at_once_and_the_reply_is_still_kept(
    after_crisis, twilio, signed_sms, time_machine
):
    world, period = after_crisis
    plan = _start(world, period)
    first = plan.contacts.get(position=1)
    time_machine.move_to(first.due_at + timedelta(seconds=1), tick=False)
    between_tick()
    response = signed_sms("STOP")
    assert response.status_code == 200
    reply = response.content.decode()
    assert "you won't get any more caring messages" in reply and "call 911 or 988" in reply
    plan.refresh_from_db()
    assert plan.stopped_at is not None and plan.stopped_via == "sms"
    assert not CaringContact.objects.filter(state="scheduled").exists()
    assert CaringContact.objects.filter(state="cancelled").count() == 11
    # Honoured as a keyword (like an acknowledgement code): kept on its envelope, in the log.
    assert not Message.objects.filter(direction="inbound").exists()
    envelope = InboundEnvelope.objects.get()
    assert envelope.status == "processed"
    assert ContactEvent.objects.filter(event_type=EventType.CARING_STOPPED).count() == 1
    # With nothing left to stop, STOP is a message like any other: kept and triaged.
    signed_sms("STOP")
    stop = Message.objects.get(direction="inbound")
    assert stop.body == "STOP" and stop.current_decision is not None
    time_machine.move_to(first.due_at + timedelta(days=30), tick=False)
    between_tick()
    assert Message.objects.filter(direction="outbound", author=world.therapist.user).count() == 1


def test_a_reply_to_a_caring_message_is_triaged(after_crisis, twilio, signed_sms, time_machine):
    world, period = after_crisis
    plan = _start(world, period)
    time_machine.move_to(plan.contacts.get(position=1).due_at, tick=False)
    between_tick()
    signed_sms("thank you, that means a lot")
    reply = Message.objects.get(direction="inbound")
    assert reply.client == world.client and reply.current_decision is not None
    assert CaringSchedule.objects.get().stopped_at is None, "only STOP stops them"


def test_the_signed_link_stops_them_with_one_button(after_crisis, client, settings):
    settings.SITE_URL = "https://contact.example.test"
    world, period = after_crisis
    plan = _start(world, period)
    url = reverse("caring_stop_link", args=[services.caring_stop_token(plan)])
    page = client.get(url)
    assert page.status_code == 200 and "Stop caring messages" in page.content.decode()
    assert CaringSchedule.objects.get().stopped_at is None, "opening the link stops nothing"
    done = client.post(url)
    assert "no more caring messages will be sent" in done.content.decode()
    assert CaringSchedule.objects.get().stopped_via == "link"
    assert client.get(reverse("caring_stop_link", args=["not-a-token"])).status_code == 404
    forged = services.caring_stop_token(plan)[:-2] + "xx"
    assert client.get(reverse("caring_stop_link", args=[forged])).status_code == 404


def test_the_email_carries_the_stop_link(phones, settings, time_machine):
    settings.SITE_URL = "https://contact.example.test"
    time_machine.move_to(MONDAY_9AM, tick=False)
    _, period = crisis_week(
        phones, days=1, caring_contacts_enabled=True, caring_contacts_channel="email"
    )
    time_machine.move_to(MONDAY_9AM + timedelta(days=2), tick=False)
    plan = _start(phones, period)
    time_machine.move_to(plan.contacts.get(position=1).due_at, tick=False)
    between_tick()
    _send_pending()
    (email,) = mail.outbox
    link = "https://contact.example.test" + reverse(
        "caring_stop_link", args=[services.caring_stop_token(plan)]
    )
    assert link in email.body and "— Tess Therapist" in email.body


def test_the_client_stops_them_in_the_portal(after_crisis, client):
    world, period = after_crisis
    _start(world, period)
    sign_in(client, world.client)
    page = client.get(reverse("client_caring_messages")).content.decode()
    assert "Tess Therapist is sending you" in page
    client.post(reverse("client_caring_messages"))
    assert CaringSchedule.objects.get().stopped_via == "portal"
    assert "Stopped on" in client.get(reverse("client_caring_messages")).content.decode()


def test_the_therapist_starts_them_from_the_client_page(after_crisis, client):
    world, period = after_crisis
    sign_in(client, world.therapist)
    detail = client.get(reverse("client_detail", args=[world.client.pk])).content.decode()
    assert reverse("caring_contacts_new", args=[world.client.pk]) in detail
    form = client.get(reverse("caring_contacts_new", args=[world.client.pk])).content.decode()
    assert "I&#x27;m thinking of you and hope today is going all right." in form
    bad = client.post(reverse("caring_contacts_new", args=[world.client.pk]), {"messages": "  "})
    assert bad.status_code == 200 and not CaringSchedule.objects.exists()
    response = client.post(
        reverse("caring_contacts_new", args=[world.client.pk]),
        {"messages": "Thinking of you.\nWarm wishes."},
    )
    assert response.status_code == 302
    plan = CaringSchedule.objects.get()
    assert plan.after_crisis_period == period and plan.contacts.count() == 12
    client.post(reverse("caring_contacts_end", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.stopped_via == "therapist"


def test_after_a_resolved_escalation_too(phones, time_machine):
    from messaging.escalation.lifecycle import escalation_acknowledge, escalation_record_outcome
    from messaging.intake.services import message_receive

    time_machine.move_to(MONDAY_9AM, tick=False)
    activate_agreement(phones, caring_contacts_enabled=True)
    received = message_receive(
        practice=phones.practice,
        channel="portal",
        body="I took all my pills",
        sender=phones.client,
        declared_emergency=True,
    )
    escalation = received.message.escalation
    escalation_acknowledge(escalation_id=escalation.pk, by=phones.therapist.user, via="in_app")
    escalation_record_outcome(
        escalation_id=escalation.pk,
        by=phones.therapist.user,
        client_contacted=True,
        outcome="safety_confirmed",
        note="Spoke with her; safe.",
    )
    from messaging.between.selectors import caring_offer_sources

    period, closed = caring_offer_sources(client=phones.client)
    assert period is None and closed.pk == escalation.pk
    plan = services.caring_contacts_start(
        client=phones.client, by=phones.therapist.user, bodies=["Hi"], after_escalation=closed
    )
    assert plan.after_escalation_id == escalation.pk


def test_crisis_period_end_then_offer(after_crisis):
    world, period = after_crisis
    from messaging.between.selectors import caring_offer_sources

    assert caring_offer_sources(client=world.client)[0] == period
    agreement_services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=MONDAY_9AM + timedelta(days=4),
        ends_at=MONDAY_9AM + timedelta(days=10),
        check_in_cadence="daily",
    )
    assert caring_offer_sources(client=world.client)[0] == period, "the new one hasn't ended"
