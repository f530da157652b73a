"""What clinicians and clients do with messages after they arrive. Each write is logged."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agreements.calendars import business_calendar_for, practice_calendar
from agreements.models import Membership, TherapySession, User
from messaging.contactlog.services import contact_event_record
from messaging.intake import selectors
from messaging.intake.services import (
    STATUS_FOR_DISPOSITION,
    decision_record,
    escalation_request,
)
from messaging.models import (
    Direction,
    Disposition,
    EventType,
    Message,
    MessageStatus,
    NotificationPurpose,
    SessionNote,
    TriageDecision,
)
from messaging.notifications.services import client_message_notify, outbound_message_record
from messaging.triage import engine
from messaging.triage.categories import Category
from messaging.triage.detector import Detection, Match, detect


def message_body_read(*, message: Message, by: User) -> Message:
    """Showing a body to a clinician is a read: logged every time; first read marks it read."""
    with transaction.atomic():
        contact_event_record(
            practice=message.practice,
            event_type=EventType.MESSAGE_READ,
            actor=by,
            client=message.client,
            message=message,
            summary=f"{by} read a {message.get_channel_display().lower()} message",
        )
        if message.read_at is None and message.direction == Direction.INBOUND:
            message.read_at = timezone.now()
            fields = ["read_at"]
            if message.status == MessageStatus.DELIVERED:
                message.status = MessageStatus.READ
                fields.append("status")
            message.save(update_fields=fields)
    return message


def thread_read_by_client(*, client: Membership, message_ids: list[int]) -> None:
    if not message_ids:
        return
    with transaction.atomic():
        contact_event_record(
            practice=client.practice,
            event_type=EventType.MESSAGE_READ,
            actor=client.user,
            client=client,
            summary=f"{client.user} viewed their messages ({len(message_ids)})",
            details={"messages": message_ids},
        )


def message_reply(*, message: Message, by: User, body: str, now: datetime | None = None) -> Message:
    """A clinician's reply goes back on the channel the message came from."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write a reply first."})
    if message.direction != Direction.INBOUND:
        raise ValidationError("Replies answer a client's message.")
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        now = now or timezone.now()
        reply = outbound_message_record(
            to=message, body=body, now=now, author=by, is_automatic=False
        )
        message.status = MessageStatus.REPLIED
        message.replied_at = now
        message.read_at = message.read_at or now
        message.save(update_fields=["status", "replied_at", "read_at"])
        contact_event_record(
            practice=message.practice,
            event_type=EventType.MESSAGE_REPLIED,
            actor=by,
            client=message.client,
            message=reply,
            summary=f"{by} replied on {message.get_channel_display()}",
            details={"in_reply_to": message.pk},
        )
        client_message_notify(message=reply, now=now, purpose=NotificationPurpose.REPLY)
    return reply


def _due_for(category: Category, message: Message, now: datetime) -> datetime | None:
    """When a re-triaged reply is due: the agreed window from now, counted as triage counts."""
    if category == Category.CRISIS:
        return now
    client = message.client
    if client is None:
        return engine.response_due_after(
            now, engine.DEFAULT_UNKNOWN_SENDER_WINDOW, practice_calendar(message.practice)
        )
    agreement = selectors.agreement_snapshot(selectors.active_agreement(client))
    window = agreement.window_for(category) if agreement else None
    if window is None:
        return None
    calendar = business_calendar_for(client.therapist, around=now)
    return engine.response_due_after(now, window, calendar)


def _detection_as_recorded(message: Message, previous: TriageDecision | None) -> Detection:
    """What the detector found, as the earlier decision recorded it; read afresh if none."""
    if previous is None or not previous.detected_category:
        return detect(message.body, use_model=False)
    return Detection(
        category=Category(previous.detected_category),
        score=0.0,
        matches=tuple(_match(m) for m in previous.matches),
        suppressed=tuple(_match(m) for m in previous.suppressed),
    )


def _match(recorded: dict) -> Match:
    return Match(**{**recorded, "category": Category(recorded["category"])})


def message_retriage(
    *, message: Message, by: User, category: str, disposition: str, reason: str
) -> TriageDecision:
    """A clinician's judgement replaces the current decision; the old one is kept beside it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why, so the record explains the change."})
    category = Category(category)
    disposition = Disposition(disposition)
    if category == Category.CRISIS and disposition != Disposition.ESCALATE:
        raise ValidationError({"disposition": "A crisis is always escalated."})
    if category == Category.URGENT and disposition == Disposition.HOLD_FOR_SESSION:
        raise ValidationError({"disposition": "Urgent messages are not held for the session."})
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        previous = message.current_decision
        now = timezone.now()
        if disposition == Disposition.HOLD_FOR_SESSION:
            session = selectors.next_session(message.client, now) if message.client else None
            due = session.starts_at if session else None
        else:
            due = _due_for(category, message, now)
        declared = previous.declared_category if previous else ""
        result = engine.TriageDecision(
            category=category,
            disposition=engine.Disposition(disposition),
            response_due_at=due,
            rules=(engine.FiredRule("clinician_retriage", f"Re-triaged by {by}: {reason}"),),
            detection=_detection_as_recorded(message, previous),
            declared_category=Category(declared) if declared else None,
            agreement_id=previous.agreement_id if previous else None,
            agreement_version=previous.agreement_version if previous else None,
            # A clinician's decision stands on its own: the automatic findings are not carried.
            outside_agreement=False,
            over_frequency_limit=False,
            is_check_in=False,
            after_hours=False,
        )
        decision = decision_record(
            message=message,
            result=result,
            agreement=previous.agreement if previous else None,
            decided_by=by,
            reason=reason,
            previous=previous,
            decided_at=now,
        )
        message.current_decision = decision
        if message.status not in (MessageStatus.REPLIED,):
            message.status = STATUS_FOR_DISPOSITION[disposition]
        message.save(update_fields=["current_decision", "status"])
        contact_event_record(
            practice=message.practice,
            event_type=EventType.MESSAGE_RETRIAGED,
            actor=by,
            client=message.client,
            message=message,
            summary=f"Re-triaged from {previous.category if previous else '—'} to "
            f"{category.value} ({disposition.value}) by {by}",
            details={
                "from": previous.category if previous else None,
                "to": category.value,
                "disposition": disposition.value,
                # The reason itself is clinical text: it stays on the (encrypted) decision.
                "decision": decision.pk,
            },
        )
        if disposition == Disposition.ESCALATE and (
            previous is None or previous.disposition != Disposition.ESCALATE
        ):
            escalation_request(message=message, decision=decision)
    return decision


def message_assign_client(*, message: Message, by: User, client: Membership) -> Message:
    """Match an unknown sender's message to the client who sent it."""
    if message.client_id is not None:
        raise ValidationError("This message already belongs to a client.")
    if client.practice_id != message.practice_id or not client.is_client:
        raise ValidationError({"client": "Choose a client of this practice."})
    with transaction.atomic():
        message.client = client
        message.therapist = client.therapist
        message.save(update_fields=["client", "therapist"])
        Message.objects.filter(in_reply_to=message, client__isnull=True).update(
            client=client, therapist=client.therapist
        )
        contact_event_record(
            practice=message.practice,
            event_type=EventType.MESSAGE_ASSIGNED,
            actor=by,
            client=client,
            message=message,
            summary=f"Message from an unknown sender matched to {client.user} by {by}",
        )
    return message


# --- sessions, notes and session prep --------------------------------------------------------


def therapy_session_schedule(
    *, client: Membership, by: User, starts_at: datetime, duration_minutes: int = 50
) -> TherapySession:
    if duration_minutes < 10 or duration_minutes > 240:
        raise ValidationError({"duration_minutes": "Between 10 and 240 minutes."})
    with transaction.atomic():
        session = TherapySession.objects.create(
            client=client,
            therapist=client.therapist,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            created_by=by,
        )
        contact_event_record(
            practice=client.practice,
            event_type=EventType.SESSION_SCHEDULED,
            actor=by,
            client=client,
            summary=f"Session with {client.user} on {timezone.localtime(starts_at):%a %d %b %H:%M}",
            details={"session": session.pk},
        )
    return session


def session_note_save(
    *, client: Membership, body: str, note: SessionNote | None = None
) -> SessionNote:
    """Notes stay private to the client until they share them; a shared note is final."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": "The note is empty."})
    now = timezone.now()
    if note is None:
        return SessionNote.objects.create(client=client, body=body, created_at=now, updated_at=now)
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk, client=client)
        if note.shared_at is not None:
            raise ValidationError("This note is already shared with your therapist.")
        note.body = body
        note.updated_at = now
        note.save(update_fields=["body", "updated_at"])
    return note


def session_note_share(*, note: SessionNote) -> SessionNote:
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        if note.shared_at is None:
            note.shared_at = timezone.now()
            note.save(update_fields=["shared_at"])
            contact_event_record(
                practice=note.client.practice,
                event_type=EventType.NOTE_SHARED,
                actor=note.client.user,
                client=note.client,
                summary=f"{note.client.user} shared a note for the next session",
                details={"note": note.pk},
            )
    return note


def session_note_delete(*, note: SessionNote) -> None:
    with transaction.atomic():
        note = SessionNote.objects.select_for_update().get(pk=note.pk)
        if note.shared_at is not None:
            raise ValidationError("A shared note stays for your therapist.")
        note.delete()


def session_prep_mark_seen(
    *, client: Membership, by: User, message_ids: list[int], note_ids: list[int]
) -> None:
    now = timezone.now()
    with transaction.atomic():
        messages = Message.objects.filter(
            client=client, pk__in=message_ids, seen_in_prep_at__isnull=True
        )
        seen_messages = list(messages.values_list("pk", flat=True))
        messages.update(seen_in_prep_at=now)
        notes = SessionNote.objects.filter(client=client, pk__in=note_ids, seen_at__isnull=True)
        seen_notes = list(notes.values_list("pk", flat=True))
        notes.update(seen_at=now)
        if seen_messages or seen_notes:
            contact_event_record(
                practice=client.practice,
                event_type=EventType.MESSAGES_SEEN_IN_PREP,
                actor=by,
                client=client,
                summary=f"{by} prepared the session: {len(seen_messages)} held messages, "
                f"{len(seen_notes)} shared notes",
                details={"messages": seen_messages, "notes": seen_notes},
            )
