"""Check-ins during a crisis period: planned, sent by the real transports, answered through the
one intake (a crisis answer escalates), missed and flagged, cancelled when the period ends."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from agreements import services as agreement_services
from agreements.models import CheckInCadence
from messaging.between.tick import between_tick
from messaging.models import (
    CheckIn,
    CheckInState,
    ContactEvent,
    Escalation,
    EventType,
    Message,
    Notification,
)
from messaging.notifications.services import notification_send
from tests.between.support import (
    CLIENT_PHONE,
    MONDAY_9AM,
    NEW_YORK,
    THERAPIST_PHONE,
    crisis_week,
)
from tests.factories import sign_in


def _send_pending():
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        notification_send(notification_id=pk)


def _at(time_machine, *args):
    time_machine.move_to(datetime(*args, tzinfo=NEW_YORK), tick=False)


def test_a_check_in_is_planned_then_sent_by_sms_at_the_agreed_local_time(
    in_crisis, twilio, time_machine
):
    _world, _agreement, _period = in_crisis
    assert between_tick() == 1  # planned
    check_in = CheckIn.objects.get()
    assert check_in.due_at == datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
    assert check_in.state == CheckInState.SCHEDULED and check_in.next_action_at == check_in.due_at
    assert between_tick() == 0, "nothing is sent before it is due"
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    check_in.refresh_from_db()
    assert check_in.state == CheckInState.SENT
    assert check_in.answer_due_at == check_in.due_at + timedelta(hours=8)
    assert check_in.outbound.channel == "sms" and check_in.outbound.direction == "outbound"
    _send_pending()
    (request,) = twilio.requests
    assert request["data"]["To"] == CLIENT_PHONE
    assert "how are you today" in request["data"]["Body"]
    assert "Reply with a number from 1" in request["data"]["Body"]
    assert "If you're in danger, call 911 or 988." in request["data"]["Body"]
    assert ContactEvent.objects.filter(event_type=EventType.CHECK_IN_SENT).count() == 1
    # The next one is planned for tomorrow at 10:00, and only one waits at a time.
    between_tick()
    assert list(CheckIn.objects.values_list("state", flat=True)) == ["sent", "scheduled"]
    assert CheckIn.objects.last().due_at == datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)


def test_an_sms_reply_answers_the_check_in_through_intake(
    in_crisis, twilio, signed_sms, time_machine
):
    _world, _agreement, _period = in_crisis
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 20)
    response = signed_sms("4 a bit better today")
    assert response.status_code == 200
    check_in = CheckIn.objects.get(due_at__day=23)
    assert check_in.state == CheckInState.ANSWERED and check_in.score == 4
    reply = check_in.reply
    assert reply.channel == "sms" and reply.body == "4 a bit better today"
    assert reply.current_decision.is_check_in  # triaged as any message, as a welcome check-in
    assert check_in.next_action_at is None
    event = ContactEvent.objects.get(event_type=EventType.CHECK_IN_ANSWERED)
    assert event.message_id == reply.pk and "4 of 5" in event.summary
    # The deadline passes with the check-in answered: nothing is flagged.
    _at(time_machine, 2026, 11, 23, 19, 0)
    between_tick()
    assert not ContactEvent.objects.filter(event_type=EventType.CHECK_IN_MISSED).exists()


def test_a_crisis_reply_escalates_and_still_answers_the_check_in(
    in_crisis, twilio, signed_sms, time_machine
):
    _world, _agreement, _period = in_crisis
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    response = signed_sms("1 i have the pills here and i want to end it tonight")
    assert "988" in response.content.decode()  # crisis help at once, in the reply
    escalation = Escalation.objects.get()
    assert escalation.message.current_decision.category == "crisis"
    check_in = CheckIn.objects.get(due_at__day=23)
    assert check_in.state == CheckInState.ANSWERED and check_in.score == 1
    assert check_in.reply == escalation.message


@pytest.mark.parametrize("pages", [False, True])
def test_a_missed_check_in_is_flagged_and_pages_only_if_agreed(phones, twilio, time_machine, pages):
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, missed_check_in_pages=pages)
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    _at(time_machine, 2026, 11, 23, 17, 59)
    between_tick()
    assert CheckIn.objects.get(due_at__day=23).state == CheckInState.SENT
    _at(time_machine, 2026, 11, 23, 18, 0, 1)
    between_tick()
    check_in = CheckIn.objects.get(due_at__day=23)
    assert check_in.state == CheckInState.MISSED and check_in.paged is pages
    flags = Notification.objects.filter(recipient=phones.therapist.user)
    # Paging uses the therapist's methods: by default the app, their email and their phone.
    assert {n.channel for n in flags} == ({"in_app", "email", "sms"} if pages else {"in_app"})
    assert all(n.subject == "Missed check-in: Cleo" for n in flags)
    assert all(reverse("session_prep", args=[phones.client.pk]) in n.body for n in flags)
    event = ContactEvent.objects.get(event_type=EventType.CHECK_IN_MISSED)
    assert event.details["paged"] is pages
    # A tick that runs twice flags once.
    between_tick()
    assert Notification.objects.filter(recipient=phones.therapist.user).count() == len(flags)


def test_paging_on_a_missed_check_in_uses_the_therapists_contact_methods(
    phones, twilio, time_machine
):
    from messaging.notifications.services import contact_methods_replace

    contact_methods_replace(
        user=phones.therapist.user, by=phones.therapist.user, methods=[("sms", THERAPIST_PHONE)]
    )
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, missed_check_in_pages=True)
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    _at(time_machine, 2026, 11, 23, 18, 0, 1)
    between_tick()
    _send_pending()
    texts = [r["data"] for r in twilio.requests if r["data"].get("To") == THERAPIST_PHONE]
    assert len(texts) == 1 and "has not answered the check-in" in texts[0]["Body"]


def test_the_period_still_ends_by_itself_and_unsent_check_ins_are_cancelled(
    phones, twilio, time_machine
):
    time_machine.move_to(MONDAY_9AM, tick=False)
    _, _period = crisis_week(phones, days=2)
    for day, hour in ((23, 10), (24, 10), (25, 10), (26, 10)):
        _at(time_machine, 2026, 11, day, hour, 0, 1)
        between_tick()
        between_tick()
    sent = CheckIn.objects.filter(state__in=["sent", "missed"]).count()
    assert sent == 2, "Monday and Tuesday, not after the period's end on Wednesday 09:00"
    assert not CheckIn.objects.filter(state=CheckInState.SCHEDULED).exists()


def test_ending_the_period_early_cancels_the_waiting_check_in(in_crisis, twilio, time_machine):
    world, _agreement, period = in_crisis
    between_tick()
    agreement_services.crisis_period_end(period=period, by=world.therapist.user)
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    assert CheckIn.objects.get().state == CheckInState.CANCELLED
    assert not Message.objects.filter(direction="outbound").exists()
    assert ContactEvent.objects.filter(event_type=EventType.CHECK_IN_CANCELLED).count() == 1


def test_no_check_ins_unless_the_agreement_turns_them_on(phones, twilio, time_machine):
    from tests.factories import activate_agreement

    time_machine.move_to(MONDAY_9AM, tick=False)
    activate_agreement(phones)
    agreement_services.crisis_period_start(
        client=phones.client,
        by=phones.therapist.user,
        starts_at=MONDAY_9AM,
        ends_at=MONDAY_9AM + timedelta(days=3),
        check_in_cadence=CheckInCadence.DAILY,
    )
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    assert between_tick() == 0
    assert not CheckIn.objects.exists()


def test_portal_check_in_answered_with_one_tap(phones, client, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, check_in_channel="portal")
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    check_in = CheckIn.objects.get(state="sent")
    assert not Notification.objects.exists(), "the portal shows it; nothing leaves the app"
    sign_in(client, phones.client)
    home = client.get(reverse("client_home")).content.decode()
    assert "Check-in from Tess Therapist" in home
    assert reverse("client_check_in_answer", args=[check_in.pk]) in home
    response = client.post(
        reverse("client_check_in_answer", args=[check_in.pk]), {"score": "2", "words": "tired"}
    )
    check_in.refresh_from_db()
    assert check_in.state == CheckInState.ANSWERED and check_in.score == 2
    assert response.status_code == 302
    assert response["Location"] == reverse("client_message_detail", args=[check_in.reply_id])
    assert check_in.reply.body == "Check-in answer: 2 of 5 (bad)\ntired"
    assert check_in.reply.channel == "portal"
    assert check_in.reply.current_decision.is_check_in
    assert "Check-in from" not in client.get(reverse("client_home")).content.decode()
    # Answered already: the route is gone for it.
    again = client.post(reverse("client_check_in_answer", args=[check_in.pk]), {"score": "3"})
    assert again.status_code == 404


def test_check_ins_by_email_carry_a_link_to_answer(phones, settings, time_machine):
    settings.SITE_URL = "https://contact.example.test"
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, check_in_channel="email")
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    _send_pending()
    (email,) = mail.outbox
    assert email.to == [phones.client.user.email]
    assert "https://contact.example.test/me/" in email.body


def test_check_ins_keep_the_local_time_across_the_dst_change(phones, twilio, time_machine):
    # Spring forward in New York on Sunday 8 March 2026.
    start = datetime(2026, 3, 6, 8, 0, tzinfo=NEW_YORK)
    time_machine.move_to(start, tick=False)
    crisis_week(phones, starts_at=start, days=4, check_in_local_time=time(9, 30))
    sent = []
    moment = start
    while moment < start + timedelta(days=4):
        time_machine.move_to(moment, tick=False)
        between_tick()
        moment += timedelta(minutes=30)
    sent = [c.sent_at.astimezone(NEW_YORK) for c in CheckIn.objects.exclude(sent_at=None)]
    assert [s.strftime("%a %H:%M %Z") for s in sent] == [
        "Fri 09:30 EST", "Sat 09:30 EST", "Sun 09:30 EDT", "Mon 09:30 EDT",
    ]  # fmt: skip
