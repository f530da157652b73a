"""Who may see which contact-log rows and which message metadata (admins their practice,
therapists their clients, clients themselves). Raises ``Http404`` for what the viewer may not see.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from agreements.models import Membership, Role
from messaging.models import ContactEvent, EventType, Message, NotificationPurpose

#: What a client's own history shows: what happened to their messages, agreements and plan.
#: Left out are the staff's side of it: who was paged at which step and by which number, an
#: incident for the admins, reads in session prep, the paged care team's reads, break-glass
#: reviews, exports, drafts.
CLIENT_EVENT_TYPES = (
    EventType.INVITATION_ACCEPTED,
    EventType.AGREEMENT_PROPOSED,
    EventType.AGREEMENT_WITHDRAWN,
    EventType.AGREEMENT_ACCEPTED,
    EventType.AGREEMENT_SUPERSEDED,
    EventType.AGREEMENT_ENDED,
    EventType.CRISIS_PERIOD_STARTED,
    EventType.CRISIS_PERIOD_ENDED,
    EventType.SAFETY_PLAN_UPDATED,
    EventType.SESSION_SCHEDULED,
    EventType.CHECK_IN_SENT,
    EventType.CHECK_IN_ANSWERED,
    EventType.CARING_STARTED,
    EventType.CARING_SENT,
    EventType.CARING_STOPPED,
    EventType.NOTE_KEPT_INSTEAD,
    EventType.MESSAGE_RECEIVED,
    EventType.MESSAGE_TRIAGED,
    EventType.AUTO_REPLY_SENT,
    EventType.DELIVERY_FAILED,
    EventType.MESSAGE_REPLIED,
    EventType.MESSAGE_RETRIAGED,
    EventType.MESSAGE_RAISED,
    EventType.MESSAGE_ASSIGNED,
    EventType.ESCALATION_REQUESTED,
    EventType.NOTE_SHARED,
    EventType.API_TOKEN_CREATED,
    EventType.API_TOKEN_REVOKED,
    EventType.ESCALATION_STARTED,
    EventType.ESCALATION_ACKNOWLEDGED,
    EventType.ESCALATION_JOINED,
)
#: Of the notifications, the client sees those that went to them.
CLIENT_NOTIFICATION_PURPOSES = (
    NotificationPurpose.CLIENT_UPDATE,
    NotificationPurpose.AUTO_REPLY,
    NotificationPurpose.REPLY,
)
_NOTIFICATION_EVENTS = (
    EventType.NOTIFICATION_SENT,
    EventType.NOTIFICATION_DELIVERED,
    EventType.NOTIFICATION_FAILED,
)


def visible_events(*, viewer: Membership) -> QuerySet[ContactEvent]:
    """Deny by default: only these three roles read the log, each their own part of it."""
    events = ContactEvent.objects.filter(practice=viewer.practice)
    if viewer.role == Role.ADMIN:
        return events
    if viewer.role == Role.THERAPIST:
        return events.filter(Q(therapist=viewer) | Q(client__therapist=viewer))
    if viewer.role == Role.CLIENT:
        return events.filter(client=viewer).filter(
            Q(event_type__in=CLIENT_EVENT_TYPES)
            | Q(
                event_type__in=_NOTIFICATION_EVENTS,
                details__purpose__in=CLIENT_NOTIFICATION_PURPOSES,
            )
        )
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

    Therapists filter only by their own clients and never by therapist (``None``). A client is
    offered only themself and their own therapist: never another client, never other staff.
    """
    members = Membership.objects.filter(practice=viewer.practice).select_related("user")
    clients = members.filter(role=Role.CLIENT)
    if viewer.role == Role.CLIENT:
        return members.filter(pk=viewer.therapist_id), clients.filter(pk=viewer.pk)
    if viewer.role == Role.THERAPIST:
        return None, clients.filter(therapist=viewer).order_by("user__name")
    therapists = members.filter(role=Role.THERAPIST).order_by("user__name")
    return therapists, clients.order_by("user__name")
