"""Sending one notification, exactly the way a task that may run twice must.

``notification_send`` works in three short steps, each its own transaction:

1. **Claim** (row locked): do nothing unless the row is PENDING and due. Otherwise count the
   attempt and push ``next_attempt_at`` forward by ``SEND_LEASE``, then commit. While the lease
   runs nobody else sends it: a second task for the same id, a second worker or the sweeper all
   find it not due and return.
2. **Send** through the channel's backend, outside any transaction or lock, so a slow provider
   never holds a row lock or a database transaction open.
3. **Record** (row locked again): SENT with the provider's id and a contact-log event; or, on a
   retryable failure, back to due after an exponential backoff; or FAILED for good.

Delivery is **at least once, bounded**. If a worker dies between the provider accepting the page
and step 3, the lease lapses and the sweeper sends it again: a clinician may get the same page
twice, never zero times. Each claim counts an attempt before the provider is called, so a crash
loop can resend at most ``MAX_ATTEMPTS`` times in all, never a storm. At-most-once (give up
whenever the outcome is unknown) was rejected: for a crisis page a silent loss is worse than a
duplicate. A lost record of a successful send is logged when the duplicate is recorded.

Call it outside any transaction (the Celery task does): the claim must commit before the provider
is called, or the lease protects nothing. Logs carry ids, never bodies or addresses.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from messaging.models import EventType
from messaging.services.contact_log import contact_event_record

from .backends import SendFailed, SendResult, backend_for
from .models import ContactMethodKind, Notification, NotificationStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(seconds=300)


def send_lease() -> timedelta:
    """How long a claim keeps others off: past Celery's hard time limit, so a worker still inside
    its send has been killed before anyone else may send the same notification."""
    if settings.NOTIFICATION_SEND_LEASE_SECONDS:
        return timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    return timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 60) + 30)


def retry_delay(attempt: int) -> timedelta:
    """5 s, 10 s, 20 s, … after the attempt that failed, at most 5 minutes."""
    return min(BACKOFF_BASE * 2 ** max(attempt - 1, 0), BACKOFF_MAX)


def _lock(notification_id: int, *, skip_locked: bool) -> Notification | None:
    query: QuerySet[Notification] = Notification.objects.filter(pk=notification_id)
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    else:
        # SQLite ignores FOR UPDATE; its writers are serialized by the IMMEDIATE transaction.
        query = query.select_for_update()
    return query.first()


def notification_send(*, notification_id: int, now: datetime | None = None) -> Notification:
    """Send one notification if it is due; safe to call any number of times, concurrently."""
    clock = (lambda: now) if now is not None else timezone.now
    claimed = _claim(notification_id, clock())
    if claimed is None:
        return Notification.objects.get(pk=notification_id)
    try:
        result = backend_for(claimed.channel).send(claimed)
    except SendFailed as failure:
        return _record_failure(claimed, failure, clock())
    except Exception as error:  # noqa: BLE001 - recorded below, never lost
        # A bug in a backend must not strand the row until the lease lapses without a reason.
        logger.error(
            "notification %s: unexpected %s while sending", claimed.pk, type(error).__name__
        )
        failure = SendFailed(f"unexpected error ({type(error).__name__})")
        return _record_failure(claimed, failure, clock())
    return _record_sent(claimed, result, clock())


def _claim(notification_id: int, now: datetime) -> Notification | None:
    with transaction.atomic():
        notification = _lock(notification_id, skip_locked=True)
        if notification is None:
            if not Notification.objects.filter(pk=notification_id).exists():
                raise Notification.DoesNotExist(f"notification {notification_id}")
            logger.info("notification %s is being handled by another worker", notification_id)
            return None
        if notification.status != NotificationStatus.PENDING or notification.next_attempt_at > now:
            return None
        if notification.attempts >= MAX_ATTEMPTS:
            # The last attempt claimed the row and never came back (a crash or a kill).
            _mark_failed(notification, f"gave up after {MAX_ATTEMPTS} interrupted attempts", now)
            return None
        notification.attempts += 1
        notification.next_attempt_at = now + send_lease()
        notification.save(update_fields=["attempts", "next_attempt_at"])
    logger.info(
        "notification %s: attempt %s by %s",
        notification.pk,
        notification.attempts,
        notification.channel,
    )
    return notification


def _record_sent(claimed: Notification, result: SendResult, now: datetime) -> Notification:
    with transaction.atomic():
        notification = _lock(claimed.pk, skip_locked=False)
        if notification.status in (NotificationStatus.SENT, NotificationStatus.DELIVERED):
            logger.warning(
                "notification %s sent again by attempt %s (an earlier send was already recorded)",
                notification.pk,
                claimed.attempts,
            )
            return notification
        # PENDING (this claim or a later one after the lease lapsed) or FAILED by an overlapping
        # attempt: the provider took it, so it was sent.
        notification.status = NotificationStatus.SENT
        notification.sent_at = now
        notification.provider = result.provider[:32]
        notification.provider_id = result.provider_id[:200]
        notification.last_error = ""
        notification.save(
            update_fields=["status", "sent_at", "provider", "provider_id", "last_error"]
        )
        _log_event(
            notification,
            EventType.NOTIFICATION_SENT,
            f"sent (attempt {claimed.attempts})",
            occurred_at=now,
            details={"provider": notification.provider, "attempt": claimed.attempts},
        )
    logger.info("notification %s sent via %s", notification.pk, notification.provider)
    return notification


def _record_failure(claimed: Notification, failure: SendFailed, now: datetime) -> Notification:
    with transaction.atomic():
        notification = _lock(claimed.pk, skip_locked=False)
        if (
            notification.status != NotificationStatus.PENDING
            or notification.attempts != claimed.attempts
        ):
            logger.info(
                "notification %s: failure of attempt %s ignored, a later attempt owns it",
                notification.pk,
                claimed.attempts,
            )
            return notification
        if not failure.retryable or notification.attempts >= MAX_ATTEMPTS:
            _mark_failed(notification, failure.reason, now)
            return notification
        notification.last_error = failure.reason
        notification.next_attempt_at = now + retry_delay(notification.attempts)
        notification.save(update_fields=["last_error", "next_attempt_at"])
    logger.warning(
        "notification %s: attempt %s failed (%s), retrying at %s",
        notification.pk,
        notification.attempts,
        failure.reason,
        notification.next_attempt_at.isoformat(),
    )
    return notification


def _mark_failed(notification: Notification, reason: str, now: datetime) -> None:
    """Caller holds the row lock inside a transaction."""
    notification.status = NotificationStatus.FAILED
    notification.last_error = reason[:300]
    notification.save(update_fields=["status", "last_error"])
    _log_event(
        notification,
        EventType.NOTIFICATION_FAILED,
        f"failed: {notification.last_error}",
        occurred_at=now,
        details={"reason": notification.last_error, "attempts": notification.attempts},
    )
    logger.warning(
        "notification %s failed after %s attempts: %s",
        notification.pk,
        notification.attempts,
        notification.last_error,
    )


def _log_event(
    notification: Notification,
    event_type: EventType,
    what: str,
    *,
    occurred_at: datetime,
    details: dict,
) -> None:
    escalation = notification.escalation
    who = notification.recipient or "the client"
    contact_event_record(
        practice=notification.practice,
        event_type=event_type,
        client=escalation.client if escalation else None,
        message=escalation.message if escalation else None,
        summary=(
            f"{notification.get_purpose_display()} by {notification.get_channel_display()} "
            f"to {who} {what}"
        ),
        details={
            "notification": notification.pk,
            "escalation": notification.escalation_id,
            "channel": notification.channel,
            "purpose": notification.purpose,
            **details,
        },
        occurred_at=occurred_at,
    )


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


def notification_status_update(
    *, provider_id: str, status: NotificationStatus, now: datetime | None = None
) -> Notification | None:
    """The provider's final word on a sent notification: DELIVERED or FAILED.

    Only a SENT notification changes; a repeated or late callback is ignored. Returns None when
    no notification has that provider id.
    """
    if status not in (NotificationStatus.DELIVERED, NotificationStatus.FAILED):
        raise ValueError(f"not a final delivery status: {status!r}")
    if not provider_id:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(provider_id=provider_id).first()
        )
        if notification is None:
            logger.info("delivery status %s for an unknown provider id", status)
            return None
        if notification.status != NotificationStatus.SENT:
            return notification
        notification.status = status
        if status == NotificationStatus.DELIVERED:
            notification.delivered_at = now
            notification.save(update_fields=["status", "delivered_at"])
            _log_event(
                notification,
                EventType.NOTIFICATION_DELIVERED,
                "delivered",
                occurred_at=now,
                details={"provider": notification.provider},
            )
        else:
            notification.last_error = "the provider could not deliver it"
            notification.save(update_fields=["status", "last_error"])
            _log_event(
                notification,
                EventType.NOTIFICATION_FAILED,
                "not delivered",
                occurred_at=now,
                details={"provider": notification.provider, "reason": notification.last_error},
            )
    logger.info("notification %s: provider reports %s", notification.pk, status)
    return notification


def in_app_notifications_seen(
    *, recipient, notification_ids: list[int], now: datetime | None = None
) -> int:
    """The recipient has had these in-app notifications on screen: they are delivered."""
    now = now or timezone.now()
    delivered = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(
                pk__in=notification_ids,
                recipient=recipient,
                channel=ContactMethodKind.IN_APP,
                status=NotificationStatus.SENT,
            )
            .order_by("pk")
        )
        for notification in rows:
            notification.status = NotificationStatus.DELIVERED
            notification.delivered_at = now
            notification.save(update_fields=["status", "delivered_at"])
            _log_event(
                notification,
                EventType.NOTIFICATION_DELIVERED,
                "seen in the app",
                occurred_at=now,
                details={"provider": notification.provider},
            )
            delivered += 1
    return delivered
