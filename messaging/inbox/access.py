"""Who may open which message or note: the one place these permission checks live. Each
``access_*`` raises ``Http404`` when the viewer may not see the object.
"""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from agreements.access import paged_escalation_for_message
from agreements.models import (
    Membership,
    Role,
)
from messaging.models import Escalation, Message, SessionNote


def covering_for_q(therapist: Membership) -> Q:
    """The therapists this one covers right now (their away periods name them as the cover)."""
    now = timezone.now()
    return Q(
        therapist__away_periods__covering_therapist=therapist,
        therapist__away_periods__starts_at__lte=now,
        therapist__away_periods__ends_at__gt=now,
    )


def access_message(*, viewer: Membership, message_id: int) -> Message:
    """To read and to act on (reply, re-triage, match): the client's therapist and their cover,
    any therapist for an unknown sender, the client for their own."""
    query = Message.objects.select_related(
        "current_decision", "client__user", "therapist__user", "practice", "recorded_by", "author"
    ).filter(pk=message_id, practice=viewer.practice)
    if viewer.role == Role.THERAPIST:
        query = query.filter(
            Q(client__therapist=viewer)
            | Q(client__isnull=True)
            | Q(therapist=viewer)
            | covering_for_q(viewer)
        ).distinct()
    elif viewer.role == Role.CLIENT:
        query = query.filter(client=viewer)
    else:
        raise Http404
    message = query.first()
    if message is None:
        raise Http404
    return message


def access_message_to_read(
    *, viewer: Membership, message_id: int
) -> tuple[Message, Escalation | None]:
    """A message and its thread: the normal rules, else paged care-team access (the messages
    of the escalation the viewer was paged for and the replies to them, admins included)."""
    try:
        return access_message(viewer=viewer, message_id=message_id), None
    except Http404:
        if viewer.role not in (Role.THERAPIST, Role.ADMIN):
            raise
    message = (
        Message.objects.select_related(
            "current_decision",
            "client__user",
            "therapist__user",
            "practice",
            "recorded_by",
            "author",
        )
        .filter(pk=message_id, practice=viewer.practice)
        .first()
    )
    if message is None:
        raise Http404
    thread = [message.pk] + ([message.in_reply_to_id] if message.in_reply_to_id else [])
    paged = paged_escalation_for_message(viewer=viewer, message_ids=thread)
    if paged is None:
        raise Http404
    return message, paged


def access_note(*, viewer: Membership, note_id: int) -> SessionNote:
    note = SessionNote.objects.filter(pk=note_id, client=viewer).first()
    if viewer.role != Role.CLIENT or note is None:
        raise Http404
    return note
