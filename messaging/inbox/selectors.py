"""Reads for the inbox, the thread, session prep and notes."""

from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from agreements.models import (
    Membership,
    TherapySession,
)
from messaging.inbox.access import covering_for_q
from messaging.intake.selectors import last_session, next_session
from messaging.models import (
    Direction,
    Disposition,
    Message,
    MessageStatus,
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
    colleague is away (due times already count the cover's hours), and unknown senders'.
    """
    own = (
        Q(therapist=therapist)
        | Q(client__isnull=True, practice=therapist.practice)
        | covering_for_q(therapist)
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
