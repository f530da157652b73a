"""Reading notifications and contact methods: a person's methods in order, what is due to be
sent, and where a message to a client goes.
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from agreements.models import Channel, User
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
    """Ids of notifications waiting to be sent, the longest-waiting first (for the sweeper).

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
        .order_by("next_attempt_at", "id")
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
