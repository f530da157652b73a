"""Who may open which message or note: the one place these permission checks live. Each
``access_*`` raises ``Http404`` when the viewer may not see the object.
"""

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from agreements.models import (
    Membership,
    Role,
)
from messaging.models import Message, SessionNote


def covering_for_q(therapist: Membership) -> Q:
    """The therapists this one covers right now (their away periods name them as the cover)."""
    now = timezone.now()
    return Q(
        therapist__away_periods__covering_therapist=therapist,
        therapist__away_periods__starts_at__lte=now,
        therapist__away_periods__ends_at__gt=now,
    )


def access_message(*, viewer: Membership, message_id: int) -> Message:
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


def access_note(*, viewer: Membership, note_id: int) -> SessionNote:
    note = SessionNote.objects.filter(pk=note_id, client=viewer).first()
    if viewer.role != Role.CLIENT or note is None:
        raise Http404
    return note
