"""Reads for messages, and the permission checks that go with them.

``access_*`` return the object when the viewer may see it and raise ``Http404`` otherwise.
"""

from datetime import datetime, time, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agreements.business_hours import BusinessCalendar, OfficeWindow, WeeklySchedule
from agreements.calendars import business_calendar_for
from agreements.models import (
    AgreementStatus,
    ContactAgreement,
    Membership,
    Practice,
    Role,
    TherapySession,
)
from agreements.selectors import crisis_period_current

from .models import Direction, Disposition, Message, MessageStatus, SessionNote, TriageDecision
from .triage import engine

# --- triage inputs -----------------------------------------------------------------------


def agreement_snapshot(agreement: ContactAgreement | None) -> engine.AgreementSnapshot | None:
    if agreement is None:
        return None
    return engine.AgreementSnapshot(
        agreement_id=agreement.pk,
        version=agreement.version,
        channels={
            rule.channel: engine.ChannelTerms(
                channel=rule.channel,
                enabled=rule.enabled,
                allowed_purposes=frozenset(rule.allowed_purposes),
                after_hours_allowed=rule.after_hours_allowed,
            )
            for rule in agreement.channel_rules.all()
        },
        response_windows={
            window.category: engine.WindowTerms(amount=window.amount, unit=window.unit)
            for window in agreement.response_windows.all()
        },
        hold_clinical_for_session=agreement.hold_clinical_for_session,
        frequency_limit_per_week=agreement.frequency_limit_per_week,
    )


def active_agreement(client: Membership) -> ContactAgreement | None:
    return (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.ACTIVE)
        .prefetch_related("channel_rules", "response_windows")
        .first()
    )


def practice_calendar(practice: Practice) -> BusinessCalendar:
    """For unknown senders: the practice's weekday hours, 09:00–17:00 in its time zone."""
    return BusinessCalendar(
        schedule=WeeklySchedule(
            time_zone=practice.time_zone,
            windows=tuple(OfficeWindow(day, time(9), time(17)) for day in range(5)),
        )
    )


def contact_history(client: Membership, before: datetime) -> engine.ContactHistory:
    since = before - timedelta(days=7)
    inbound = Message.objects.filter(
        client=client, direction=Direction.INBOUND, received_at__lt=before
    )
    counted = (
        inbound.filter(received_at__gte=since)
        .exclude(current_decision__category="crisis")
        .exclude(current_decision__is_check_in=True)
        .count()
    )
    last_check_in = (
        inbound.filter(current_decision__is_check_in=True)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return engine.ContactHistory(
        non_crisis_messages_last_7_days=counted, last_check_in_at=last_check_in
    )


def next_session(client: Membership, after: datetime) -> TherapySession | None:
    return (
        TherapySession.objects.filter(client=client, starts_at__gt=after, cancelled_at=None)
        .order_by("starts_at")
        .first()
    )


def last_session(client: Membership, before: datetime) -> TherapySession | None:
    return (
        TherapySession.objects.filter(client=client, starts_at__lte=before, cancelled_at=None)
        .order_by("-starts_at")
        .first()
    )


def triage_context(
    *, practice: Practice, client: Membership | None, received_at: datetime
) -> tuple[engine.TriageContext, ContactAgreement | None]:
    if client is None:
        return (
            engine.TriageContext(
                agreement=None,
                calendar=practice_calendar(practice),
                crisis_period=None,
                history=engine.ContactHistory(0, None),
                next_session_at=None,
            ),
            None,
        )
    agreement = active_agreement(client)
    period = crisis_period_current(client=client, at=received_at)
    session = next_session(client, received_at)
    context = engine.TriageContext(
        agreement=agreement_snapshot(agreement),
        calendar=business_calendar_for(client.therapist, around=received_at),
        crisis_period=engine.CrisisPeriodSnapshot(
            starts_at=period.starts_at,
            ends_at=min(period.ends_at, period.ended_early_at or period.ends_at),
            check_in_interval=period.check_in_interval,
        )
        if period
        else None,
        history=contact_history(client, received_at),
        next_session_at=session.starts_at if session else None,
    )
    return context, agreement


# --- finding senders ---------------------------------------------------------------------


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def client_by_phone(phone: str) -> Membership | None:
    """The client whose phone matches (last 10 digits, so +1 and formatting don't matter)."""
    digits = _digits(phone)[-10:]
    if len(digits) < 7:
        return None
    candidates = Membership.objects.select_related("user", "practice", "therapist__user").filter(
        role=Role.CLIENT, is_active=True, user__phone__endswith=digits[-4:]
    )
    matches = [m for m in candidates if _digits(m.user.phone)[-10:] == digits]
    return matches[0] if len(matches) == 1 else None


def client_by_email(address: str) -> Membership | None:
    return (
        Membership.objects.select_related("user", "practice", "therapist__user")
        .filter(role=Role.CLIENT, is_active=True, user__email__iexact=address.strip())
        .first()
    )


def client_search(*, practice: Practice, query: str) -> QuerySet[Membership]:
    query = query.strip()
    members = Membership.objects.filter(
        practice=practice, role=Role.CLIENT, is_active=True
    ).select_related("user", "therapist__user")
    if not query:
        return members.none()
    digits = _digits(query)
    condition = Q(user__name__icontains=query) | Q(user__email__icontains=query)
    if len(digits) >= 4:
        condition |= Q(user__phone__contains=digits[-4:])
    return members.filter(condition).order_by("user__name")[:20]


# --- inbox, threads, session prep ------------------------------------------------------------

_DECISION = "current_decision"


def _inbound_with_decision() -> QuerySet[Message]:
    return Message.objects.filter(direction=Direction.INBOUND).select_related(
        _DECISION, "client__user", "therapist__user"
    )


def _covering_for(therapist: Membership) -> Q:
    """The therapists this one covers right now (their away periods name them as the cover)."""
    now = timezone.now()
    return Q(
        therapist__away_periods__covering_therapist=therapist,
        therapist__away_periods__starts_at__lte=now,
        therapist__away_periods__ends_at__gt=now,
    )


def inbox_for_therapist(*, therapist: Membership) -> QuerySet[Message]:
    """Waiting for a reply: most urgent first, then soonest due; overdue shows by its due time.

    A therapist's inbox holds their clients' messages, those of colleagues they cover while the
    colleague is away (due times already count the cover's hours), and unknown senders'.
    """
    own = (
        Q(therapist=therapist)
        | Q(client__isnull=True, practice=therapist.practice)
        | _covering_for(therapist)
    )
    return (
        _inbound_with_decision()
        .filter(own)
        .filter(
            status__in=[MessageStatus.DELIVERED, MessageStatus.ESCALATED, MessageStatus.READ],
            current_decision__disposition__in=[Disposition.DELIVER, Disposition.ESCALATE],
        )
        .distinct()
        .order_by(
            F("current_decision__severity").desc(),
            F("current_decision__response_due_at").asc(nulls_last=True),
            "received_at",
        )
    )


def access_message(*, viewer: Membership, message_id: int) -> Message:
    query = Message.objects.select_related(
        _DECISION, "client__user", "therapist__user", "practice", "recorded_by", "author"
    ).filter(pk=message_id, practice=viewer.practice)
    if viewer.role == Role.THERAPIST:
        query = query.filter(
            Q(client__therapist=viewer)
            | Q(client__isnull=True)
            | Q(therapist=viewer)
            | _covering_for(viewer)
        ).distinct()
    elif viewer.role == Role.CLIENT:
        query = query.filter(client=viewer)
    else:
        raise Http404
    message = query.first()
    if message is None:
        raise Http404
    return message


def decisions_for(message: Message) -> QuerySet[TriageDecision]:
    return message.decisions.select_related("decided_by").order_by("decided_at", "id")


def thread_for_client(*, client: Membership) -> QuerySet[Message]:
    """The client's own messages, newest first, each with the replies to it."""
    return (
        Message.objects.filter(client=client, direction=Direction.INBOUND)
        .select_related(_DECISION)
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Message.objects.filter(direction=Direction.OUTBOUND)
                .select_related("author")
                .order_by("received_at"),
                to_attr="reply_list",
            )
        )
        .order_by("-received_at")
    )


def replies_for(message: Message) -> QuerySet[Message]:
    return (
        message.replies.filter(direction=Direction.OUTBOUND)
        .select_related("author")
        .order_by("received_at", "pk")
    )


def session_prep(*, client: Membership, now: datetime | None = None):
    """What waits for the next session: held messages and shared notes since the last one."""
    now = now or timezone.now()
    previous = last_session(client, now)
    since = previous.starts_at if previous else None
    held = (
        Message.objects.filter(client=client, direction=Direction.INBOUND)
        .filter(
            Q(status=MessageStatus.HELD_FOR_SESSION)
            | Q(current_decision__disposition=Disposition.HOLD_FOR_SESSION)
        )
        .select_related(_DECISION)
        .order_by("received_at")
    )
    notes = SessionNote.objects.filter(client=client, shared_at__isnull=False).order_by("shared_at")
    if since is not None:
        held = held.filter(Q(received_at__gte=since) | Q(seen_in_prep_at__isnull=True))
        notes = notes.filter(Q(shared_at__gte=since) | Q(seen_at__isnull=True))
    return {
        "previous_session": previous,
        "next_session": next_session(client, now),
        "held_messages": held,
        "shared_notes": notes,
    }


def notes_for_client(*, client: Membership) -> QuerySet[SessionNote]:
    return SessionNote.objects.filter(client=client).order_by("-created_at")


def access_note(*, viewer: Membership, note_id: int) -> SessionNote:
    note = SessionNote.objects.filter(pk=note_id, client=viewer).first()
    if viewer.role != Role.CLIENT or note is None:
        raise Http404
    return note


def upcoming_sessions(*, client: Membership, now: datetime | None = None):
    now = now or timezone.now()
    return TherapySession.objects.filter(
        client=client, starts_at__gte=now - timedelta(hours=2), cancelled_at=None
    ).order_by("starts_at")


def client_search_by_id(*, practice: Practice, client_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("user", "therapist__user")
        .filter(pk=client_id, practice=practice, role=Role.CLIENT, is_active=True)
        .first()
    )


def practice_for_inbound(*, to_address: str) -> Practice | None:
    """The practice an unknown sender wrote to: by its number or address, else the only one."""
    to_address = to_address.strip()
    if to_address:
        digits = _digits(to_address)
        for practice in Practice.objects.all():
            if practice.inbound_email and practice.inbound_email.lower() == to_address.lower():
                return practice
            if (
                practice.inbound_sms_number
                and digits
                and (_digits(practice.inbound_sms_number)[-10:] == digits[-10:])
            ):
                return practice
    return Practice.objects.order_by("created_at", "pk").first()
