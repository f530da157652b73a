"""Who may see which contact-log rows and which message metadata (admins their practice,
therapists their clients, clients themselves). Raises ``Http404`` for what the viewer may not see.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from agreements.models import Membership, Role
from messaging.models import ContactEvent, Message


def visible_events(*, viewer: Membership) -> QuerySet[ContactEvent]:
    """Deny by default: only these three roles read the log, each their own part of it."""
    events = ContactEvent.objects.filter(practice=viewer.practice)
    if viewer.role == Role.ADMIN:
        return events
    if viewer.role == Role.THERAPIST:
        return events.filter(Q(therapist=viewer) | Q(client__therapist=viewer))
    if viewer.role == Role.CLIENT:
        return events.filter(client=viewer)
    return events.none()


def access_message_metadata(*, viewer: Membership, message_id: int) -> Message:
    """An admin reaches a message of their practice through the log (its body stays closed)."""
    if viewer.role != Role.ADMIN:
        raise Http404
    message = (
        Message.objects.select_related("current_decision", "client__user", "therapist__user")
        .filter(pk=message_id, practice=viewer.practice)
        .first()
    )
    if message is None:
        raise Http404
    return message


def log_filter_people(
    *, viewer: Membership
) -> tuple[QuerySet[Membership] | None, QuerySet[Membership]]:
    """Whom the viewer may filter the log by: (therapists, clients), each sorted by name.

    Therapists filter only by their own clients and never by therapist (``None``).
    """
    members = Membership.objects.filter(practice=viewer.practice).select_related("user")
    clients = members.filter(role=Role.CLIENT)
    if viewer.role == Role.THERAPIST:
        return None, clients.filter(therapist=viewer).order_by("user__name")
    therapists = members.filter(role=Role.THERAPIST).order_by("user__name")
    return therapists, clients.order_by("user__name")
