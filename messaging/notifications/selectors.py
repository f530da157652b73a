"""Reading notifications and contact methods: a person's methods in order, what is due to be
sent, and where a message to a client goes.
"""

from datetime import datetime, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from agreements.models import Channel, Practice, User
from agreements.phones import phone_normalize
from messaging.models import Message
from messaging.notifications.models import (
    ContactMethod,
    ContactMethodKind,
    Notification,
    NotificationStatus,
)


def contact_methods_for(user: User) -> list[ContactMethod]:
    """The active methods in order; with none set: in the app, the login email, then SMS to the
    phone on file (if it is a usable number). The defaults are unsaved rows."""
    methods = list(
        ContactMethod.objects.filter(user=user, is_active=True).order_by("position", "id")
    )
    if methods:
        return methods
    defaults = [
        ContactMethod(user=user, kind=ContactMethodKind.IN_APP, address="", position=0),
        ContactMethod(user=user, kind=ContactMethodKind.EMAIL, address=user.email, position=1),
    ]
    phone = phone_normalize(user.phone)
    if phone:
        defaults.append(
            ContactMethod(user=user, kind=ContactMethodKind.SMS, address=phone, position=2)
        )
    return defaults


#: A new notification's own enqueue gets this long before the sweeper sends it as well.
FIRST_SEND_GRACE = timedelta(seconds=3)


def notifications_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of notifications waiting to be sent (for the sweeper): those of an escalation first,
    so a backlog of routine sends never takes a crisis send's place in the batch; then the
    longest-waiting first.

    Retries are swept when due; a first attempt only once it is a little overdue, so the sweeper
    catches a lost enqueue without queueing a second send beside every on-time one.
    """
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, next_attempt_at__lte=now - FIRST_SEND_GRACE)
        )
        .alias(routine=ExpressionWrapper(Q(escalation__isnull=True), output_field=BooleanField()))
        .order_by("routine", "next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def recipient_address(message: Message) -> str:
    """Where a message to the client goes on its channel: their email or phone, else the
    address an unknown sender wrote from."""
    if message.client_id is None:
        return message.sender_address
    if message.channel == Channel.EMAIL:
        return message.client.user.email
    return message.client.user.phone or message.sender_address


def contact_methods_saved(user: User) -> list[ContactMethod]:
    """The methods the person saved, in order, paused ones included (no defaults)."""
    return list(ContactMethod.objects.filter(user=user).order_by("position", "id"))


def in_app_notifications_for(*, recipient: User, practice: Practice) -> QuerySet[Notification]:
    """A person's in-app pages in one practice, newest first."""
    return Notification.objects.filter(
        recipient=recipient, practice=practice, channel=ContactMethodKind.IN_APP
    ).order_by("-created_at", "-id")


#: Providers whose notifications never leave the app: the demo outbox and in-app pages.
LOCAL_PROVIDERS = ("outbox", "in_app")


def outbox_notifications(
    *, practice: Practice, local_channels: list[str]
) -> QuerySet[Notification]:
    """What the demo outbox shows: sent ones say where they went; waiting ones go wherever their
    channel (one of ``local_channels``) goes now."""
    return (
        Notification.objects.filter(practice=practice)
        .filter(Q(provider__in=LOCAL_PROVIDERS) | Q(provider="", channel__in=local_channels))
        .select_related("recipient")
        .order_by("-created_at", "-id")
    )
