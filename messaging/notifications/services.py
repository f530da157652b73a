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

Messages to clients (auto-replies, clinicians' replies, escalation updates) are notifications
too, written by ``client_message_notify`` and linked to their ``Message``: the sender marks that
message not delivered, and logs it, when the notification fails for good.
"""

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from agreements.models import Channel, Membership, User
from agreements.phones import phone_normalize
from agreements.selectors import membership_for_user
from contactpolicy.celery import app as celery_app
from contactpolicy.queues import CRISIS_QUEUE, ROUTINE_QUEUE
from messaging.contactlog.services import contact_event_record
from messaging.models import Direction, Escalation, EventType, Message, MessageStatus
from messaging.notifications.backends import SendFailed, SendResult, backend_for
from messaging.notifications.models import (
    ContactMethod,
    ContactMethodKind,
    Notification,
    NotificationPurpose,
    NotificationStatus,
)
from messaging.notifications.selectors import recipient_address

logger = logging.getLogger(__name__)

#: Registered task name (kept from the first release, so queued tasks survive an upgrade).
SEND_TASK = "messaging.tasks.notification_send"

#: Publishing fails fast when the broker is down: the database already holds every row.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def send_queue(*, escalation_id: int | None) -> str:
    """The queue a notification's send goes to: the crisis queue for everything that belongs to
    an escalation (its pages, the admins' incident, the client's updates, the crisis auto-reply),
    the routine queue for the rest."""
    return CRISIS_QUEUE if escalation_id is not None else ROUTINE_QUEUE


def notifications_enqueue(notification_ids: list[int]) -> None:
    """Ask workers to send these now, crisis sends first and on the crisis queue; what can't be
    enqueued the sweeper sends."""
    if not notification_ids:
        return
    try:
        escalation_of = dict(
            Notification.objects.filter(pk__in=notification_ids).values_list("pk", "escalation_id")
        )
    except DatabaseError:
        logger.warning("could not route %s notifications; the sweeper will", len(notification_ids))
        return
    queues = {pk: send_queue(escalation_id=escalation_of.get(pk)) for pk in notification_ids}
    for notification_id in sorted(notification_ids, key=lambda pk: queues[pk] != CRISIS_QUEUE):
        try:
            celery_app.send_task(
                SEND_TASK,
                args=[notification_id],
                queue=queues[notification_id],
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
        except Exception:  # noqa: BLE001 - the sweeper sends what is still pending
            logger.warning("could not enqueue notification %s; the sweeper will", notification_id)
            return


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
        if notification.message_id and notification.message.status == MessageStatus.FAILED:
            # An overlapping attempt gave up, yet this one got through.
            Message.objects.filter(pk=notification.message_id).update(status=MessageStatus.SENT)
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
    if notification.message_id:
        _message_delivery_failed(notification, notification.last_error, now)
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
    message = notification.message or (escalation.message if escalation else None)
    who = notification.recipient or (
        "the invitee" if notification.purpose == NotificationPurpose.INVITATION else "the client"
    )
    contact_event_record(
        practice=notification.practice,
        event_type=event_type,
        client=message.client if message else None,
        message=message,
        summary=(
            f"{notification.get_purpose_display()} by {notification.get_channel_display()} "
            f"to {who} {what}"
        ),
        details={
            "notification": notification.pk,
            "escalation": notification.escalation_id,
            "message": notification.message_id,
            "channel": notification.channel,
            "purpose": notification.purpose,
            **details,
        },
        occurred_at=occurred_at,
    )


def notification_status_update(
    *,
    provider_id: str,
    status: NotificationStatus,
    now: datetime | None = None,
    reason: str = "",
) -> Notification | None:
    """The provider's final word on a sent notification: DELIVERED or FAILED (``reason``: the
    provider's own word for it, e.g. a call that was busy or not answered).

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
            notification.last_error = (reason or "the provider could not deliver it")[:300]
            notification.save(update_fields=["status", "last_error"])
            _log_event(
                notification,
                EventType.NOTIFICATION_FAILED,
                "not delivered",
                occurred_at=now,
                details={"provider": notification.provider, "reason": notification.last_error},
            )
            if notification.message_id:
                _message_delivery_failed(notification, notification.last_error, now)
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


MAX_CONTACT_METHODS = 10


PHONE_KINDS = (ContactMethodKind.SMS, ContactMethodKind.VOICE)


_E164 = re.compile(r"\+\d{8,15}")


def contact_address_clean(kind: str, address: str) -> str:
    """The address as stored for ``kind``, or ValidationError saying what is wrong."""
    address = (address or "").strip()
    if kind in PHONE_KINDS:
        phone = phone_normalize(address)
        if phone is None:
            raise ValidationError(
                "Enter a phone number in international form: + then 8 to 15 digits, "
                "e.g. +1 555 010 2030.",
                code="phone",
            )
        return phone
    if kind == ContactMethodKind.EMAIL:
        if not address:
            raise ValidationError("Enter an email address.", code="email")
        validate_email(address)
        local, _, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"
    if kind == ContactMethodKind.IN_APP:
        if address:
            raise ValidationError("In-app notifications need no address.", code="in_app")
        return ""
    raise ValidationError("Choose how to be contacted.", code="kind")


def _masked(kind: str, address: str) -> str:
    """Enough for an admin reading the log to tell numbers apart, no more."""
    if kind in PHONE_KINDS:
        return f"…{address[-4:]}"
    if kind == ContactMethodKind.EMAIL:
        return "…@" + address.rpartition("@")[2]
    return ""


def contact_methods_replace(
    *, user: User, by: User, methods: list[tuple[str, str]]
) -> list[ContactMethod]:
    """Replace ``user``'s contact methods with ``methods``, in that order of preference.

    An empty list means "use the defaults" (see ``contact_methods_for``).
    """
    membership: Membership | None = membership_for_user(user)
    if membership is None:
        raise ValidationError("Only members of a practice have contact methods.")
    if len(methods) > MAX_CONTACT_METHODS:
        raise ValidationError(f"At most {MAX_CONTACT_METHODS} contact methods.")
    cleaned: list[tuple[str, str]] = []
    problems = []
    for position, (kind, address) in enumerate(methods, start=1):
        try:
            entry = (kind, contact_address_clean(kind, address))
        except ValidationError as error:
            problems.extend(f"Method {position}: {message}" for message in error.messages)
            continue
        if entry in cleaned:
            problems.append(f"Method {position} repeats an earlier one.")
            continue
        cleaned.append(entry)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        # One change at a time per person: the membership row is the lock.
        Membership.objects.select_for_update().get(pk=membership.pk)
        ContactMethod.objects.filter(user=user).delete()
        rows = ContactMethod.objects.bulk_create(
            ContactMethod(user=user, kind=kind, address=address, position=position)
            for position, (kind, address) in enumerate(cleaned)
        )
        contact_event_record(
            practice=membership.practice,
            event_type=EventType.CONTACT_METHODS_CHANGED,
            actor=by,
            summary=(
                f"Contact methods of {user} set: "
                + (", ".join(ContactMethodKind(kind).label for kind, _ in cleaned) or "defaults")
            ),
            details={
                "user": user.pk,
                "methods": [[kind, _masked(kind, address)] for kind, address in cleaned],
            },
        )
    return rows


def outbound_message_record(
    *, to: Message, body: str, now: datetime, author: User | None = None, is_automatic: bool
) -> Message:
    """The outbound row of a message to the client, on the channel ``to`` came by.

    The one place outbound messages are made; the caller logs it and decides how it leaves.
    """
    return Message.objects.create(
        practice=to.practice,
        client=to.client,
        therapist=to.therapist,
        channel=to.channel,
        direction=Direction.OUTBOUND,
        body=body,
        sender_address=to.sender_address,
        received_at=now,
        status=MessageStatus.SENT,
        is_automatic=is_automatic,
        in_reply_to=to,
        author=author,
    )


def automatic_message_record(
    *, to: Message, text: str, now: datetime, summary: str, includes_crisis_help: bool
) -> Message:
    """Write an automatic message to the client on the channel ``to`` came by, and log it.

    Used for the auto-reply to every inbound message and for the updates an escalation sends;
    how it leaves the app (returned in TwiML, read out, or a notification from
    ``client_message_notify``) is up to the caller.
    """
    outbound = outbound_message_record(to=to, body=text, now=now, is_automatic=True)
    contact_event_record(
        practice=to.practice,
        event_type=EventType.AUTO_REPLY_SENT,
        client=to.client,
        message=outbound,
        summary=summary,
        details={"in_reply_to": to.pk, "includes_crisis_help": includes_crisis_help},
        occurred_at=now,
    )
    return outbound


def _client_channel(message: Message, purpose: NotificationPurpose) -> str | None:
    """The notification channel a message to the client leaves by, or None if it needs none."""
    if message.channel == Channel.EMAIL:
        return ContactMethodKind.EMAIL
    if message.channel == Channel.SMS:
        # The auto-reply to an inbound text is the webhook's TwiML answer.
        return None if purpose == NotificationPurpose.AUTO_REPLY else ContactMethodKind.SMS
    if message.channel == Channel.PHONE and purpose == NotificationPurpose.REPLY:
        # A clinician answers a call by text to the caller; automatic words were read out.
        return ContactMethodKind.SMS
    if (
        message.channel == Channel.PHONE
        and purpose == NotificationPurpose.AUTO_REPLY
        and message.in_reply_to_id is not None
        and message.in_reply_to.provider_message_id
    ):
        # A call the automatic answering service took (the provider's call or recording id; an
        # operator's console message has none): the caller has hung up by the time a voicemail
        # is triaged, so the auto-reply goes by text.
        return ContactMethodKind.SMS
    return None  # the portal shows it in the app


def client_message_notify(
    *,
    message: Message,
    now: datetime,
    purpose: NotificationPurpose,
    idempotency_key: str = "",
    escalation: Escalation | None = None,
    step_index: int | None = None,
    cycle: int | None = None,
) -> Notification | None:
    """Send an outbound message to its client the way pages are sent: as a notification.

    Writes the notification in the caller's transaction (once: the key, by default derived from
    the message, makes a second call return the first row) and enqueues it when that commits.
    Returns None for a message that leaves some other way (see ``_client_channel``).
    """
    if message.direction != Direction.OUTBOUND:
        raise ValueError("only an outbound message goes to the client")
    channel = _client_channel(message, purpose)
    if channel is None:
        return None
    practice = message.practice
    subject = (
        f"Update from {practice.name}"
        if purpose == NotificationPurpose.CLIENT_UPDATE
        else f"Message from {practice.name}"
    )
    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key or f"msg{message.pk}:to-client",
        defaults={
            "message": message,
            "escalation": escalation,
            "practice": practice,
            "recipient": message.client.user if message.client_id else None,
            "purpose": purpose,
            "channel": channel,
            # No address is still written: the sender fails it and the message shows FAILED.
            "address": recipient_address(message),
            "subject": subject,
            "body": message.body,
            "step_index": step_index,
            "cycle": cycle,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    if created:
        transaction.on_commit(lambda: notifications_enqueue([notification.pk]))
    return notification


def _message_delivery_failed(notification: Notification, reason: str, now: datetime) -> None:
    """The message this notification carried did not reach the client. Caller holds the lock."""
    message = notification.message
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    message.status = MessageStatus.FAILED
    contact_event_record(
        practice=message.practice,
        event_type=EventType.DELIVERY_FAILED,
        client=message.client,
        message=message,
        summary=f"{message.get_channel_display()} to the client not delivered: {reason}",
        details={"reason": reason, "notification": notification.pk},
        occurred_at=now,
    )
