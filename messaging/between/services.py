"""Every write of check-ins, caring contacts and "keep it as a note", each logged in the same
transaction.

Lock order (as the escalation engine's): a row of this package is locked before the log rows
of its change are written. The tick (``messaging.between.tick``) claims due rows one short
transaction at a time and calls the ``*_locked`` functions here with the row locked.
"""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementStatus, ContactAgreement, CrisisPeriod, Membership, User
from messaging.between import schedule
from messaging.between.selectors import check_in_score
from messaging.contactlog.services import contact_event_record
from messaging.models import (
    CaringContact,
    CaringContactState,
    CaringSchedule,
    CaringStopVia,
    CheckIn,
    CheckInState,
    Direction,
    Escalation,
    EventType,
    InboundEnvelope,
    Message,
    MessageStatus,
    NotificationPurpose,
    SessionNote,
)
from messaging.notifications.models import ContactMethodKind, Notification
from messaging.notifications.selectors import contact_methods_for
from messaging.notifications.services import client_message_notify, notifications_enqueue
from messaging.triage.crisis_help import EmergencyNumbers, danger_line

#: The signed link in every caring message; it must work for the year they run, so no expiry.
CARING_STOP_SALT = "messaging.between.caring-stop"

#: Twilio's standard opt-out words (its carrier-level STOP handling uses the same list); a
#: reply that is only one of them stops caring messages at once.
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})


#: The words of each one-tap answer, as the portal's buttons say them.
SCORE_WORDS = {1: "very bad", 2: "bad", 3: "so-so", 4: "okay", 5: "good"}


def skip_locked() -> dict:
    # Only the claimed row: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    if connection.features.has_select_for_update_skip_locked:
        return {"skip_locked": True, "of": ("self",)}
    return {}


def is_stop_word(body: str) -> bool:
    return (body or "").strip().rstrip(".!").strip().lower() in STOP_WORDS


def check_in_answer_body(*, score: int, words: str) -> str:
    """The message a one-tap portal answer is: the answer in words, so that whoever reads it
    (and triage) knows it answers a check-in, then the client's own words."""
    answer = f"Check-in answer: {score} of 5 ({SCORE_WORDS[score]})"
    return f"{answer}\n{words.strip()}" if words.strip() else answer


# --- check-ins -------------------------------------------------------------------------------


def _agreement_with_check_ins(client_id: int) -> ContactAgreement | None:
    return ContactAgreement.objects.filter(
        client_id=client_id, status=AgreementStatus.ACTIVE, check_ins_enabled=True
    ).first()


def check_in_plan_next(*, period: CrisisPeriod, now: datetime) -> CheckIn | None:
    """Write the period's next check-in if it has none waiting. Safe to run concurrently: the
    (period, moment) pair is unique."""
    agreement = _agreement_with_check_ins(period.client_id)
    if agreement is None:
        return None
    ends_at = min(period.ends_at, period.ended_early_at or period.ends_at)
    last = period.check_ins.order_by("-due_at").values_list("due_at", flat=True).first()
    # A backlog is never sent after an outage: the next one still ahead, or at most just due.
    after = max(last or period.starts_at - schedule.JUST_BEFORE, now - schedule.STALE_AFTER)
    zone = period.client.zone
    due_at = schedule.next_check_in_at(
        after=after,
        starts_at=period.starts_at,
        ends_at=ends_at,
        cadence=period.check_in_cadence,
        at=agreement.check_in_local_time,
        zone=zone,
    )
    if due_at is None:
        return None
    following = schedule.next_check_in_at(
        after=due_at,
        starts_at=period.starts_at,
        ends_at=ends_at,
        cadence=period.check_in_cadence,
        at=agreement.check_in_local_time,
        zone=zone,
    )
    try:
        with transaction.atomic():
            return CheckIn.objects.create(
                crisis_period=period,
                client_id=period.client_id,
                agreement=agreement,
                channel=agreement.check_in_channel,
                due_at=due_at,
                answer_due_at=schedule.answer_due_at(
                    due_at=due_at,
                    answer_hours=agreement.check_in_answer_hours,
                    next_due_at=following,
                ),
                next_action_at=due_at,
                created_at=now,
            )
    except IntegrityError:
        return None  # another tick planned it


def _period_running(period: CrisisPeriod, at: datetime) -> bool:
    ended = period.ended_early_at
    return period.starts_at <= at < period.ends_at and (ended is None or ended > at)


def _outbound(
    *, client: Membership, channel: str, body: str, now: datetime, author: User | None
) -> Message:
    """A message we start (not a reply), on ``channel``; caller logs it."""
    return Message.objects.create(
        practice=client.practice,
        client=client,
        therapist=client.therapist,
        channel=channel,
        direction=Direction.OUTBOUND,
        body=body,
        received_at=now,
        status=MessageStatus.SENT,
        is_automatic=author is None,
        author=author,
    )


def _site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def check_in_text(check_in: CheckIn) -> str:
    client = check_in.client
    return render_to_string(
        "between/check_in.txt",
        {
            "first_name": client.user.get_short_name(),
            "therapist": client.therapist.user,
            "channel": check_in.channel,
            "answer_link": _site_link(reverse("client_home")),
            "danger_line": danger_line(EmergencyNumbers.of(client.practice)),
        },
    ).strip()


def check_in_send_locked(*, check_in: CheckIn, now: datetime) -> CheckIn:
    """Send a scheduled check-in, or cancel it when its period is over. Row locked by caller."""
    period = check_in.crisis_period
    agreement_on = _agreement_with_check_ins(check_in.client_id) is not None
    if not _period_running(period, now) or not agreement_on:
        check_in.state = CheckInState.CANCELLED
        check_in.next_action_at = None
        check_in.save(update_fields=["state", "next_action_at"])
        contact_event_record(
            practice=check_in.client.practice,
            event_type=EventType.CHECK_IN_CANCELLED,
            client=check_in.client,
            summary="Check-in not sent: the crisis period is over"
            if agreement_on
            else "Check-in not sent: the agreement no longer has check-ins",
            details={"check_in": check_in.pk, "crisis_period": period.pk},
            occurred_at=now,
        )
        return check_in
    outbound = _outbound(
        client=check_in.client,
        channel=check_in.channel,
        body=check_in_text(check_in),
        now=now,
        author=None,
    )
    check_in.state = CheckInState.SENT
    check_in.sent_at = now
    check_in.outbound = outbound
    check_in.next_action_at = check_in.answer_due_at
    check_in.save(update_fields=["state", "sent_at", "outbound", "next_action_at"])
    contact_event_record(
        practice=check_in.client.practice,
        event_type=EventType.CHECK_IN_SENT,
        client=check_in.client,
        message=outbound,
        summary=f"Check-in sent by {outbound.get_channel_display()}",
        details={"check_in": check_in.pk, "answer_due_at": check_in.answer_due_at.isoformat()},
        occurred_at=now,
    )
    client_message_notify(
        message=outbound,
        now=now,
        purpose=NotificationPurpose.CLIENT_UPDATE,
        idempotency_key=f"checkin{check_in.pk}:to-client",
    )
    return check_in


def _therapist_flag(*, check_in: CheckIn, now: datetime, page: bool) -> list[Notification]:
    """In the therapist's app always; by their other contact methods too when ``page``."""
    therapist = check_in.client.therapist.user
    client_name = check_in.client.user.get_short_name()
    body = render_to_string(
        "between/missed_check_in.txt",
        {
            "client": client_name,
            "due_at": check_in.due_at,
            "link": _site_link(reverse("session_prep", args=[check_in.client_id])),
        },
    ).strip()
    methods = [m for m in contact_methods_for(therapist) if m.kind != ContactMethodKind.IN_APP]
    targets = [(ContactMethodKind.IN_APP, "")]
    if page:
        targets += [(m.kind, m.address) for m in methods]
    rows = []
    for kind, address in targets:
        notification, created = Notification.objects.get_or_create(
            idempotency_key=f"checkin{check_in.pk}:missed:{kind}:{address}",
            defaults={
                "practice": check_in.client.practice,
                "recipient": therapist,
                "purpose": NotificationPurpose.PAGE,
                "channel": kind,
                "address": address,
                "subject": f"Missed check-in: {client_name}",
                "body": body,
                "next_attempt_at": now,
                "created_at": now,
            },
        )
        if created:
            rows.append(notification)
    ids = [n.pk for n in rows]
    transaction.on_commit(lambda: notifications_enqueue(ids))
    return rows


def check_in_miss_locked(*, check_in: CheckIn, now: datetime) -> CheckIn:
    """No answer in time: flag it to the therapist, and page them if the agreement says so."""
    page = check_in.agreement.missed_check_in_pages
    check_in.state = CheckInState.MISSED
    check_in.missed_at = now
    check_in.next_action_at = None
    check_in.paged = page
    check_in.save(update_fields=["state", "missed_at", "next_action_at", "paged"])
    contact_event_record(
        practice=check_in.client.practice,
        event_type=EventType.CHECK_IN_MISSED,
        client=check_in.client,
        therapist=check_in.client.therapist,
        summary="Check-in not answered in time: flagged to the therapist"
        + (" and paged" if page else ""),
        details={"check_in": check_in.pk, "paged": page},
        occurred_at=now,
    )
    _therapist_flag(check_in=check_in, now=now, page=page)
    return check_in


def check_in_reply_link(*, message: Message, now: datetime) -> CheckIn | None:
    """The client's message answers their open check-in, whatever channel it came by.

    Called by intake in the transaction that keeps the message, after it is triaged (so a
    crisis reply has already escalated).
    """
    if message.client_id is None or message.direction != Direction.INBOUND:
        return None
    check_in = (
        CheckIn.objects.select_for_update(**({"of": ("self",)} if _of() else {}))
        .filter(client_id=message.client_id, state=CheckInState.SENT, sent_at__lte=now)
        .order_by("-sent_at")
        .first()
    )
    if check_in is None:
        return None
    check_in.state = CheckInState.ANSWERED
    check_in.answered_at = now
    check_in.reply = message
    check_in.score = check_in_score(message.body)
    check_in.next_action_at = None
    check_in.save(update_fields=["state", "answered_at", "reply", "score", "next_action_at"])
    contact_event_record(
        practice=message.practice,
        event_type=EventType.CHECK_IN_ANSWERED,
        client=message.client,
        message=message,
        summary="Check-in answered"
        + (f": {check_in.score} of 5" if check_in.score is not None else " in words"),
        details={"check_in": check_in.pk, "score": check_in.score},
        occurred_at=now,
    )
    return check_in


def _of() -> bool:
    return connection.features.has_select_for_update_of


# --- caring contacts -------------------------------------------------------------------------


def caring_contacts_start(
    *,
    client: Membership,
    by: User,
    bodies: list[str],
    after_crisis_period: CrisisPeriod | None = None,
    after_escalation: Escalation | None = None,
    now: datetime | None = None,
) -> CaringSchedule:
    """A year of caring messages in the therapist's name, at the agreed time and channel."""
    now = now or timezone.now()
    bodies = [body.strip() for body in bodies if body.strip()]
    if not bodies:
        raise ValidationError({"bodies": "Write or choose at least one message."})
    if after_crisis_period is None and after_escalation is None:
        raise ValidationError("Caring messages follow a crisis period or an escalation.")
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=client.pk)
        agreement = ContactAgreement.objects.filter(
            client=client, status=AgreementStatus.ACTIVE, caring_contacts_enabled=True
        ).first()
        if agreement is None:
            raise ValidationError(
                "The client's active agreement doesn't include caring messages: add them to "
                "the agreement for the client to accept first."
            )
        if CaringSchedule.objects.filter(client=client, stopped_at=None).exists():
            raise ValidationError("Caring messages are already running for this client.")
        plan = CaringSchedule.objects.create(
            client=client,
            therapist=client.therapist,
            agreement=agreement,
            channel=agreement.caring_contacts_channel,
            after_crisis_period=after_crisis_period,
            after_escalation=after_escalation,
            started_by=by,
            started_at=now,
        )
        times = schedule.caring_contact_times(
            starts_at=now, at=agreement.check_in_local_time, zone=client.zone
        )
        CaringContact.objects.bulk_create(
            CaringContact(
                schedule=plan,
                position=position,
                body=bodies[(position - 1) % len(bodies)],
                due_at=due_at,
                next_action_at=due_at,
            )
            for position, due_at in enumerate(times, start=1)
        )
        contact_event_record(
            practice=client.practice,
            event_type=EventType.CARING_STARTED,
            actor=by,
            client=client,
            agreement=agreement,
            summary=f"Caring messages started: {len(times)} over a year by "
            f"{plan.get_channel_display()}",
            details={
                "caring_schedule": plan.pk,
                "first_due_at": times[0].isoformat(),
                "after_crisis_period": after_crisis_period.pk if after_crisis_period else None,
                "after_escalation": after_escalation.pk if after_escalation else None,
            },
            occurred_at=now,
        )
    return plan


def caring_stop_token(plan: CaringSchedule) -> str:
    return signing.dumps({"schedule": plan.pk}, salt=CARING_STOP_SALT)


def caring_schedule_from_token(token: str) -> CaringSchedule | None:
    try:
        payload = signing.loads(token, salt=CARING_STOP_SALT)
    except signing.BadSignature:
        return None
    schedule_id = payload.get("schedule") if isinstance(payload, dict) else None
    if not isinstance(schedule_id, int):
        return None
    return CaringSchedule.objects.select_related("client__practice").filter(pk=schedule_id).first()


def caring_contact_text(contact: CaringContact) -> str:
    plan = contact.schedule
    return render_to_string(
        "between/caring_contact.txt",
        {
            "body": contact.body,
            "therapist": plan.therapist.user,
            "channel": plan.channel,
            "stop_link": _site_link(reverse("caring_stop_link", args=[caring_stop_token(plan)])),
        },
    ).strip()


def caring_contact_send_locked(*, contact: CaringContact, now: datetime) -> CaringContact:
    """Send one caring message under the therapist's name. Rows locked by the caller (the
    schedule first, then the contact)."""
    plan = contact.schedule
    if not plan.is_running:
        contact.state = CaringContactState.CANCELLED
        contact.next_action_at = None
        contact.save(update_fields=["state", "next_action_at"])
        return contact
    outbound = _outbound(
        client=plan.client,
        channel=plan.channel,
        body=caring_contact_text(contact),
        now=now,
        author=plan.therapist.user,
    )
    contact.state = CaringContactState.SENT
    contact.sent_at = now
    contact.message = outbound
    contact.next_action_at = None
    contact.save(update_fields=["state", "sent_at", "message", "next_action_at"])
    contact_event_record(
        practice=plan.client.practice,
        event_type=EventType.CARING_SENT,
        actor=plan.therapist.user,
        client=plan.client,
        message=outbound,
        summary=f"Caring message {contact.position} of {plan.contacts.count()} sent by "
        f"{outbound.get_channel_display()}",
        details={"caring_schedule": plan.pk, "caring_contact": contact.pk},
        occurred_at=now,
    )
    client_message_notify(
        message=outbound,
        now=now,
        purpose=NotificationPurpose.REPLY,
        idempotency_key=f"caring{contact.pk}:to-client",
    )
    return contact


def caring_contacts_stop(
    *, plan: CaringSchedule, via: str, by: User | None = None, now: datetime | None = None
) -> tuple[CaringSchedule, bool]:
    """Stop at once: nothing more is sent. Returns (schedule, whether this call stopped it)."""
    now = now or timezone.now()
    if via not in CaringStopVia.values:
        raise ValueError(f"unknown way to stop: {via!r}")
    with transaction.atomic():
        plan = CaringSchedule.objects.select_for_update().select_related("client").get(pk=plan.pk)
        if plan.stopped_at is not None:
            return plan, False
        plan.stopped_at = now
        plan.stopped_via = via
        plan.save(update_fields=["stopped_at", "stopped_via"])
        cancelled = plan.contacts.filter(state=CaringContactState.SCHEDULED).update(
            state=CaringContactState.CANCELLED, next_action_at=None
        )
        contact_event_record(
            practice=plan.client.practice,
            event_type=EventType.CARING_STOPPED,
            actor=by,
            client=plan.client,
            summary=f"Caring messages stopped ({CaringStopVia(via).label.lower()}); "
            f"{cancelled} not sent",
            details={"caring_schedule": plan.pk, "via": via, "cancelled": cancelled},
            occurred_at=now,
        )
    return plan, True


def caring_contacts_stop_by_reply(*, client: Membership, now: datetime | None = None) -> bool:
    """The client texted STOP: their running caring messages stop. True if any did."""
    plan = CaringSchedule.objects.filter(client=client, stopped_at=None).first()
    if plan is None:
        return False
    return caring_contacts_stop(plan=plan, via=CaringStopVia.SMS, by=client.user, now=now)[1]


def caring_stopped_reply(phone: str) -> str:
    """What a client who texted STOP is told (their practice's danger line included)."""
    from messaging.intake.selectors import client_by_phone

    client = client_by_phone(phone)
    danger = danger_line(EmergencyNumbers.of(client.practice)) if client else ""
    return f"Done: you won't get any more caring messages. {danger}".strip()


# --- "can this wait?" ------------------------------------------------------------------------


def message_keep_as_note(
    *, client: Membership, body: str, envelope: InboundEnvelope, now: datetime | None = None
) -> SessionNote:
    """The client chose to keep a message for their next session instead of sending it now.

    The request stays on its envelope (refused as "kept_as_note" by the caller); the note is
    the client's, private until they share it, like every session note.
    """
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write your message first."})
    now = now or timezone.now()
    with transaction.atomic():
        note = SessionNote.objects.create(client=client, body=body, created_at=now, updated_at=now)
        contact_event_record(
            practice=client.practice,
            event_type=EventType.NOTE_KEPT_INSTEAD,
            actor=client.user,
            client=client,
            summary="The client kept a message as a note for the next session instead of "
            "sending it",
            details={"note": note.pk, "envelope": envelope.pk},
            occurred_at=now,
        )
    return note
