"""Reads for the inbox, the thread, session prep and notes."""

from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from agreements.access import paged_escalations
from agreements.models import (
    Membership,
    TherapySession,
)
from messaging.inbox.access import covering_for_q
from messaging.intake.selectors import last_session, next_session
from messaging.models import (
    Direction,
    Disposition,
    Escalation,
    EscalationState,
    Message,
    MessageStatus,
    Notification,
    NotificationPurpose,
    SessionNote,
    TriageDecision,
)

_DECISION = "current_decision"


def _inbound_with_decision() -> QuerySet[Message]:
    return Message.objects.filter(direction=Direction.INBOUND).select_related(
        _DECISION, "client__user", "therapist__user"
    )


def inbox_for_therapist(*, therapist: Membership) -> QuerySet[Message]:
    """Waiting for a reply: most urgent first, then soonest due; overdue shows by its due time.

    A therapist's inbox holds their clients' messages, those of colleagues they cover while the
    colleague is away (due times already count the cover's hours), unknown senders', and the
    crises they are paged for (paged care-team access), whoever's clients they are.
    """
    paged = paged_escalations(viewer=therapist)
    own = (
        Q(therapist=therapist)
        | Q(client__isnull=True, practice=therapist.practice)
        | covering_for_q(therapist)
        | Q(escalation__in=paged)
        | Q(joined_escalation__in=paged)
    )
    return (
        _inbound_with_decision()
        .select_related(
            "escalation__acknowledged_by",
            "escalation__outcome_recorded_by",
            "joined_escalation__acknowledged_by",
            "joined_escalation__outcome_recorded_by",
        )
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


#: The triage rules that say detection raised the category above what the client declared.
_DETECTOR_RULES = ("detected", "raised_by_detection")


def crisis_escalation_of(message: Message) -> Escalation | None:
    """The escalation a message started or joined (read from what was selected with it)."""
    try:
        return message.escalation
    except ObjectDoesNotExist:
        return message.joined_escalation


def inbox_rows_for_therapist(*, therapist: Membership, now: datetime) -> list[Message]:
    """The inbox with what each row shows: ``crisis`` (its escalation), ``paging_now`` (whom it
    is paging, while it pages), ``is_overdue`` (never once a clinician has it), and
    ``detector_reasons`` (why detection raised the declared category) and
    ``not_read_automatically`` (in a language the detector does not read). One more query, for
    the pages, when any row is in an escalation that is still paging."""
    rows = list(inbox_for_therapist(therapist=therapist))
    for message in rows:
        message.crisis = crisis_escalation_of(message)
    paging = {
        m.crisis.pk
        for m in rows
        if m.crisis is not None
        and m.crisis.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED)
    }
    pages = (
        Notification.objects.filter(
            escalation_id__in=paging,
            purpose__in=[NotificationPurpose.PAGE, NotificationPurpose.INCIDENT],
            recipient__isnull=False,
        )
        .select_related("recipient")
        .order_by("escalation_id", "-created_at", "-pk")
        if paging
        else []
    )
    latest: dict[int, tuple] = {}
    paging_now: dict[int, list[str]] = {}
    for page in pages:
        step = (page.purpose, page.cycle, page.step_index)
        latest.setdefault(page.escalation_id, step)
        names = paging_now.setdefault(page.escalation_id, [])
        if latest[page.escalation_id] == step and page.recipient.name not in names:
            names.append(page.recipient.name)
    for message in rows:
        decision = message.current_decision
        crisis = message.crisis
        message.paging_now = paging_now.get(crisis.pk, []) if crisis is not None else []
        handled = crisis is not None and crisis.state in (
            EscalationState.ACKNOWLEDGED,
            EscalationState.RESOLVED,
        )
        message.is_overdue = bool(
            decision.response_due_at and decision.response_due_at < now and not handled
        )
        codes = {rule.get("code") for rule in decision.rules}
        message.not_read_automatically = "not_read_automatically" in codes
        message.detector_reasons = (
            [rule["reason"] for rule in decision.rules if rule.get("code") in _DETECTOR_RULES]
            if "raised_by_detection" in codes
            else []
        )
    return rows


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


def thread_page_for_client(
    *, client: Membership, offset: int, limit: int
) -> tuple[list[Message], int]:
    """One page of the client's thread, and how many messages the whole thread holds."""
    thread = thread_for_client(client=client)
    return list(thread[offset : offset + limit]), thread.count()


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


def upcoming_sessions(*, client: Membership, now: datetime | None = None):
    now = now or timezone.now()
    return TherapySession.objects.filter(
        client=client, starts_at__gte=now - timedelta(hours=2), cancelled_at=None
    ).order_by("starts_at")
