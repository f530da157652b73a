"""Store first, then process: every inbound request is kept before anything can fail.

A view calls ``envelope_store_request`` first — its own committed transaction — then reads the
request, and either refuses it (``envelope_refuse``: the sender is told what to fix) or hands
what it read to ``envelope_receive``, which runs ``message_receive``. When processing fails the
envelope stays ``failed`` with a retry time, staff see a banner, the contact log says so, and
``envelopes_sweep`` (a Celery beat task) tries again with backoff until it succeeds.

Processing claims the envelope with one conditional UPDATE on ``attempts`` and marks it
processed in the same transaction that creates the message, checking the claim again: an
envelope retried by the sweeper while the request is still working on it never makes a second
message — the slower of the two rolls back.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from agreements.models import Membership, Practice, User
from messaging.contactlog.services import contact_event_record
from messaging.intake import limits, selectors
from messaging.intake.normalise import Changes, bytes_decoded, text_clean, text_shortened
from messaging.intake.services import Received, message_receive, safe_reply
from messaging.models import (
    Direction,
    EnvelopeStatus,
    EventType,
    InboundEnvelope,
    Message,
)
from messaging.triage import crisis_help

logger = logging.getLogger(__name__)

# Longer than a web request or a Celery task may run, so a claim held by a live process is
# never taken over; a process killed mid-way leaves its envelope to the sweeper after this.
ENVELOPE_LEASE = timedelta(seconds=90)
RETRY_FIRST_DELAY = timedelta(seconds=10)
RETRY_MAX_DELAY = timedelta(hours=1)
# Form fields that are not part of what the sender said and must not be kept.
_NOT_KEPT = frozenset({"csrfmiddlewaretoken"})
UNFINISHED = (EnvelopeStatus.PENDING, EnvelopeStatus.PROCESSING, EnvelopeStatus.FAILED)
INTERRUPTED = "ProcessingInterrupted"


class NoPracticeConfigured(Exception):
    """No practice exists to keep an unknown sender's message for; retried once one does."""


@dataclass(frozen=True)
class Intake:
    """What processing needs from a request, read and normalised by the view."""

    channel: str  # the Message's channel
    body: str
    practice_id: int | None = None
    sender_id: int | None = None
    # "phone" or "email": recognise the sender by ``sender_address`` when processed.
    identify_by: str = ""
    sender_address: str = ""
    to_address: str = ""
    declared_purpose: str = ""
    declared_emergency: bool | None = None
    provider_message_id: str = ""
    recorded_by_id: int | None = None
    # A phone call that ended with no choice or no message (triage delivers it now).
    unfinished_call: bool = False


# --- storing -------------------------------------------------------------------------------


def envelope_store_request(
    request: HttpRequest,
    *,
    channel: str,
    submitted_by: Membership | None = None,
    now: datetime | None = None,
) -> InboundEnvelope:
    """Keep ``request`` as it arrived, committed before the caller does anything else with it.

    Form posts keep their fields (all values of each, without the CSRF token), anything else
    its body as text.
    """
    changes: Changes = []
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Read through the parsed form: middleware or a signature check may have parsed it.
        raw = {
            "content_type": content_type,
            "fields": {
                name: values for name, values in request.POST.lists() if name not in _NOT_KEPT
            },
        }
        size = _content_length(request)
    else:
        body = request.body
        raw = {
            "content_type": content_type,
            "text": bytes_decoded(body, field="request", changes=changes),
        }
        size = len(body)
    return envelope_store(
        channel=channel,
        raw=raw,
        raw_size=size,
        changes=changes,
        submitted_by=submitted_by,
        now=now,
    )


def _content_length(request: HttpRequest) -> int:
    try:
        return min(max(int(request.META.get("CONTENT_LENGTH") or 0), 0), 2**31 - 1)
    except ValueError:
        return 0


def envelope_store(
    *,
    channel: str,
    raw: dict,
    raw_size: int,
    changes: Changes = (),
    submitted_by: Membership | None = None,
    now: datetime | None = None,
) -> InboundEnvelope:
    """Commit one envelope in a transaction of its own (``durable``: never inside another)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        return InboundEnvelope.objects.create(
            channel=channel,
            received_at=now,
            practice=submitted_by.practice if submitted_by else None,
            submitted_by=submitted_by,
            raw=raw,
            raw_size=raw_size,
            changes=list(changes),
            # The request processes it now; the sweeper waits a lease before it may.
            next_attempt_at=now + ENVELOPE_LEASE,
        )


def envelope_refuse(*, envelope: InboundEnvelope, reason: str, changes: Changes = ()) -> None:
    """The request was answered with what to fix (a 4xx or the form again): nothing to retry."""
    with transaction.atomic(durable=True):
        InboundEnvelope.objects.filter(pk=envelope.pk, status=EnvelopeStatus.PENDING).update(
            status=EnvelopeStatus.REFUSED,
            refusal=reason[:64],
            changes=[*envelope.changes, *changes],
            processed_at=timezone.now(),
        )


def envelope_acknowledged(*, envelope: InboundEnvelope) -> None:
    """The request was an on-call clinician's SMS acknowledgement, not a message."""
    with transaction.atomic(durable=True):
        InboundEnvelope.objects.filter(pk=envelope.pk, status=EnvelopeStatus.PENDING).update(
            status=EnvelopeStatus.PROCESSED, refusal="", processed_at=timezone.now()
        )


def envelope_caring_stopped(*, envelope: InboundEnvelope) -> None:
    """The request was a client's STOP to caring messages: honoured (and logged as
    ``caring.stopped``), not a message."""
    with transaction.atomic(durable=True):
        InboundEnvelope.objects.filter(pk=envelope.pk, status=EnvelopeStatus.PENDING).update(
            status=EnvelopeStatus.PROCESSED, refusal="", processed_at=timezone.now()
        )


# --- processing ----------------------------------------------------------------------------


def envelope_receive(
    *, envelope: InboundEnvelope, intake: Intake, changes: Changes = ()
) -> Received | None:
    """Record what the view read from the request, then process it (``envelope_process``).

    The request that stored the envelope is its first processor: one conditional UPDATE both
    records the intake and claims the envelope (``pending``, attempt 0 -> ``processing``,
    attempt 1), so the request pays one commit for the two. If something else claimed it
    meanwhile (the sweeper, after the lease), the intake is recorded and the usual path decides.
    """
    now = timezone.now()
    fields = {
        "intake": asdict(intake),
        "changes": [*envelope.changes, *changes],
        "practice_id": intake.practice_id or envelope.practice_id,
    }
    with transaction.atomic(durable=True):
        claimed = InboundEnvelope.objects.filter(
            pk=envelope.pk, status=EnvelopeStatus.PENDING, attempts=0
        ).update(
            **fields,
            status=EnvelopeStatus.PROCESSING,
            attempts=1,
            next_attempt_at=now + ENVELOPE_LEASE,
        )
    if not claimed:
        with transaction.atomic(durable=True):
            InboundEnvelope.objects.filter(pk=envelope.pk).update(**fields)
        return envelope_process(envelope_id=envelope.pk)
    for name, value in fields.items():
        setattr(envelope, name, value)
    envelope.status, envelope.attempts = EnvelopeStatus.PROCESSING, 1
    return _process_claimed(envelope, attempt=1, now=now)


def envelope_read(
    *, envelope: InboundEnvelope, intake: Intake, process_after: timedelta, changes: Changes = ()
) -> None:
    """Record what the view read, to be processed later: by the sweeper once ``process_after``
    has passed, or sooner by ``envelope_process`` (a voicemail waits for its transcript this
    way, and is never lost if the transcript never comes)."""
    with transaction.atomic(durable=True):
        InboundEnvelope.objects.filter(pk=envelope.pk, status=EnvelopeStatus.PENDING).update(
            intake=asdict(intake),
            changes=[*envelope.changes, *changes],
            practice_id=intake.practice_id or envelope.practice_id,
            next_attempt_at=timezone.now() + process_after,
        )


def envelope_process(*, envelope_id: int, now: datetime | None = None) -> Received | None:
    """Turn the envelope into a triaged, answered message, once.

    Returns what ``message_receive`` returned (again, for an envelope already processed), or
    None when processing failed — the envelope is then ``failed`` and will be retried — or
    another process holds it.
    """
    now = now or timezone.now()
    envelope = InboundEnvelope.objects.filter(pk=envelope_id).first()
    if envelope is None or envelope.status == EnvelopeStatus.REFUSED:
        return None
    if envelope.status == EnvelopeStatus.PROCESSED:
        return _received_of(envelope.message) if envelope.message_id else None
    attempt = _claim(envelope, now)
    if attempt is None:
        return None
    return _process_claimed(envelope, attempt=attempt, now=now)


def _process_claimed(envelope: InboundEnvelope, *, attempt: int, now: datetime) -> Received | None:
    """Process an envelope this process holds the claim (``attempt``) on."""
    try:
        with transaction.atomic():
            received, changes = _receive(envelope)
            marked = InboundEnvelope.objects.filter(pk=envelope.pk, attempts=attempt).update(
                status=EnvelopeStatus.PROCESSED,
                message=received.message,
                practice=received.message.practice,
                changes=[*envelope.changes, *changes],
                last_error="",
                processed_at=timezone.now(),
            )
            if not marked:
                raise _ClaimLost
    except _ClaimLost:
        return None
    except NoPracticeConfigured:
        _quarantine(envelope=envelope, attempt=attempt)
        return None
    except Exception as error:
        logger.exception(
            "inbound envelope %s: processing failed (attempt %s)", envelope.pk, attempt
        )
        _failure_record(envelope=envelope, attempt=attempt, error=error, now=now)
        return None
    return received


def _quarantine(*, envelope: InboundEnvelope, attempt: int) -> None:
    """No practice knows the sender or the address: kept, not retried, for the instance's
    administrators to assign (``envelope_quarantine_assign``)."""
    InboundEnvelope.objects.filter(pk=envelope.pk, attempts=attempt).update(
        status=EnvelopeStatus.QUARANTINED, last_error="", practice=None
    )
    logger.warning(
        "inbound envelope %s (%s): no practice has its address; quarantined",
        envelope.pk,
        envelope.channel,
    )


def envelope_quarantine_assign(*, envelope_id: int, practice: Practice, by: User) -> bool:
    """File a quarantined request under ``practice`` (an instance administrator's decision) and
    process it now like any other: triage, reply, escalation. False if it was not quarantined
    (someone else assigned it first)."""
    with transaction.atomic(durable=True):
        assigned = InboundEnvelope.objects.filter(
            pk=envelope_id, status=EnvelopeStatus.QUARANTINED
        ).update(practice=practice, status=EnvelopeStatus.PENDING, next_attempt_at=timezone.now())
    if not assigned:
        return False
    logger.info(
        "inbound envelope %s assigned to practice %s by user %s", envelope_id, practice.pk, by.pk
    )
    envelope_process(envelope_id=envelope_id)
    return True


class _ClaimLost(Exception):
    """Another process claimed the envelope after this one: its work is rolled back."""


def _claim(envelope: InboundEnvelope, now: datetime) -> int | None:
    if envelope.status == EnvelopeStatus.PROCESSING and envelope.next_attempt_at > now:
        return None  # a live claim: someone is processing it now
    attempt = envelope.attempts + 1
    # A lapsed claim: the process that held it died (a killed web worker or Celery task).
    interrupted = envelope.status == EnvelopeStatus.PROCESSING
    with transaction.atomic():
        won = InboundEnvelope.objects.filter(
            pk=envelope.pk, attempts=envelope.attempts, status=envelope.status
        ).update(
            status=EnvelopeStatus.PROCESSING,
            attempts=attempt,
            next_attempt_at=now + ENVELOPE_LEASE,
            **({"last_error": INTERRUPTED} if interrupted else {}),
        )
        if won and interrupted:
            _intake_failed_log(envelope=envelope, error=INTERRUPTED, now=now)
    return attempt if won else None


def _receive(envelope: InboundEnvelope) -> tuple[Received, Changes]:
    if envelope.intake is None:
        raise ValueError("the request was kept but never read; see the raw request")
    intake = Intake(**envelope.intake)
    changes: Changes = []
    client = _sender(intake)
    if client is not None:
        practice = client.practice
    elif envelope.practice_id and envelope.status != EnvelopeStatus.QUARANTINED:
        practice = envelope.practice  # told when it was stored, or assigned out of quarantine
    else:
        practice = _practice(intake)
    body = text_shortened(
        intake.body, limit=limits.MESSAGE_BODY_MAX_CHARS, field="body", changes=changes
    )
    received = message_receive(
        practice=practice,
        channel=intake.channel,
        body=body,
        sender=client,
        sender_address=text_shortened(
            intake.sender_address,
            limit=limits.SENDER_ADDRESS_MAX_CHARS,
            field="sender_address",
            changes=changes,
        ),
        declared_purpose=intake.declared_purpose or None,
        declared_emergency=intake.declared_emergency,
        received_at=envelope.received_at,
        provider_message_id=text_shortened(
            intake.provider_message_id,
            limit=limits.PROVIDER_MESSAGE_ID_MAX_CHARS,
            field="provider_message_id",
            changes=changes,
        ),
        recorded_by=User.objects.get(pk=intake.recorded_by_id) if intake.recorded_by_id else None,
        body_full_length=len(intake.body) if len(intake.body) > len(body) else None,
        unfinished_call=intake.unfinished_call,
    )
    return received, changes


def _sender(intake: Intake) -> Membership | None:
    if intake.identify_by == "phone":
        return selectors.client_by_phone(intake.sender_address)
    if intake.identify_by == "email":
        return selectors.client_by_email(intake.sender_address)
    if intake.sender_id is None:
        return None
    return Membership.objects.select_related("user", "practice", "therapist__user").get(
        pk=intake.sender_id
    )


def _practice(intake: Intake) -> Practice:
    if intake.practice_id is not None:
        return Practice.objects.get(pk=intake.practice_id)
    practice = selectors.practice_for_inbound(to_address=intake.to_address)
    if practice is None:
        raise NoPracticeConfigured
    return practice


def _failure_record(
    *, envelope: InboundEnvelope, attempt: int, error: Exception, now: datetime
) -> None:
    """Failed, retried with backoff; the first failure is logged for the practice to see."""
    delay = min(RETRY_FIRST_DELAY * 2 ** min(attempt - 1, 20), RETRY_MAX_DELAY)
    with transaction.atomic():
        marked = InboundEnvelope.objects.filter(pk=envelope.pk, attempts=attempt).update(
            status=EnvelopeStatus.FAILED,
            last_error=type(error).__name__[:200],
            next_attempt_at=now + delay,
        )
        if marked:
            _intake_failed_log(envelope=envelope, error=type(error).__name__, now=now)


def _intake_failed_log(*, envelope: InboundEnvelope, error: str, now: datetime) -> None:
    """Logged the first time an envelope fails (``last_error`` as loaded is still empty), for
    the practice whose staff should see it; the summary names the channel, never the text."""
    practice = _practice_guess(envelope)
    if practice is None:
        return
    InboundEnvelope.objects.filter(pk=envelope.pk).update(practice=practice)
    if envelope.last_error:
        return
    contact_event_record(
        practice=practice,
        event_type=EventType.INTAKE_FAILED,
        actor=None,
        summary=f"{envelope.get_channel_display()} request kept, not yet processed (retrying)",
        details={"envelope": envelope.pk, "channel": envelope.channel, "error": error},
        occurred_at=now,
    )


def _practice_guess(envelope: InboundEnvelope) -> Practice | None:
    """The practice whose staff should see this envelope, if it can be told at all."""
    if envelope.practice_id:
        return envelope.practice
    try:
        intake = Intake(**envelope.intake) if envelope.intake else None
        sender = _sender(intake) if intake else None
        if sender is not None:
            return sender.practice
        return selectors.practice_for_inbound(to_address=intake.to_address if intake else "")
    except Exception:
        logger.exception("inbound envelope %s: its practice could not be told", envelope.pk)
        return None


def _received_of(message: Message) -> Received:
    message = Message.objects.select_related("current_decision").get(pk=message.pk)
    reply = (
        message.replies.filter(is_automatic=True, direction=Direction.OUTBOUND)
        .order_by("id")
        .first()
    )
    return Received(message, message.current_decision, reply, duplicate=True)


def envelopes_sweep(*, now: datetime | None = None, limit: int = 20) -> int:
    """Process the unfinished envelopes that are due; returns how many became messages."""
    now = now or timezone.now()
    done = 0
    for envelope_id in selectors.envelopes_due(now=now, limit=limit):
        if envelope_process(envelope_id=envelope_id, now=now) is not None:
            done += 1
    return done


# --- answering the sender when processing failed -------------------------------------------


def kept_reply_text(envelope: InboundEnvelope) -> str:
    """Crisis help and "we have your message", when the usual reply could not be written."""
    try:
        envelope.refresh_from_db(fields=["practice"])
        practice = envelope.practice or selectors.practice_for_inbound(to_address="")
    except Exception:
        logger.exception("inbound envelope %s: no practice for the kept reply", envelope.pk)
        practice = None
    if practice is None:
        return crisis_help.kept_reply_without_practice()
    return safe_reply(practice).text


# --- reading requests ----------------------------------------------------------------------


def text_field(value, *, field: str, changes: Changes) -> str:
    """A request's text value, normalised; anything that is not text is ``""``."""
    return text_clean(value, field=field, changes=changes) if isinstance(value, str) else ""
