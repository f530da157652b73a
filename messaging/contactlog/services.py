"""The one place that writes the contact log."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from agreements.models import Membership, User
from messaging.contactlog import chain, selectors
from messaging.models import ContactEvent, ContactLogChain, EventType, Message


class ContactLogOutsideTransaction(RuntimeError):
    """A log row must be written in the same transaction as the change it records."""


def contact_event_record(
    *,
    practice,
    event_type: EventType,
    summary: str,
    actor=None,
    client=None,
    agreement=None,
    message=None,
    therapist=None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> ContactEvent:
    """Append one event. The caller holds the transaction of the change being recorded.

    Channel, category, disposition and therapist are copied from the message (and its current
    decision) or the agreement, so the review page can filter without joins.
    """
    if not transaction.get_connection().in_atomic_block:
        raise ContactLogOutsideTransaction(
            f"{event_type} must be recorded inside the transaction that makes the change"
        )
    channel = category = disposition = ""
    if message is not None:
        channel = message.channel
        decision = message.current_decision if message.current_decision_id else None
        if decision is None and message.in_reply_to_id:
            parent = message.in_reply_to
            decision = parent.current_decision if parent.current_decision_id else None
        if decision is not None:
            category, disposition = decision.category, decision.disposition
        therapist = therapist or message.therapist
        client = client or message.client
    if therapist is None and agreement is not None:
        therapist = agreement.therapist
    if therapist is None and client is not None:
        therapist = client.therapist
    event = ContactEvent(
        practice=practice,
        event_type=event_type,
        summary=summary[:300],
        actor=actor,
        client=client,
        agreement=agreement,
        message=message,
        therapist=therapist,
        channel=channel,
        category=category,
        disposition=disposition,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )
    head = _chain_head_locked(event.practice_id)
    _link(event, head)
    ContactLogChain.objects.filter(pk=head.pk).update(sequence=head.sequence, hash=head.hash)
    event.save(force_insert=True)
    return event


def contact_events_bulk_record(*, practice, events: list[ContactEvent]) -> None:
    """Append many already-built events of one practice (generated benchmark data), chained in
    list order, under one head lock. Same rules as ``contact_event_record``."""
    if not transaction.get_connection().in_atomic_block:
        raise ContactLogOutsideTransaction("bulk log rows must be recorded inside a transaction")
    head = _chain_head_locked(practice.pk)
    for event in events:
        if event.practice_id != practice.pk:
            raise ValueError("every event of a bulk append belongs to the same practice")
        _link(event, head)
    ContactLogChain.objects.filter(pk=head.pk).update(sequence=head.sequence, hash=head.hash)
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        _copy_events(connection, events)
    else:
        ContactEvent.objects.bulk_create(events, batch_size=2000)


def _copy_events(connection, events: list[ContactEvent]) -> None:
    """PostgreSQL's COPY: several times faster than INSERTs for millions of generated rows.
    Values go through each field's own ``get_db_prep_save`` (the JSON of ``details``, aware
    timestamps), so a copied row reads back exactly like an inserted one."""
    fields = [
        field
        for field in ContactEvent._meta.concrete_fields
        if not field.primary_key or getattr(events[0], field.attname, None) is not None
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(ContactEvent._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for event in events:
            copy.write_row([_prepared(field, event, connection) for field in fields])


def _prepared(field, event: ContactEvent, connection):
    return field.get_db_prep_save(field.pre_save(event, True), connection)


def _chain_head_locked(practice_id: int) -> ContactLogChain:
    """The practice's chain head, locked until the caller's transaction ends.

    The lock is what orders a practice's events, so it is one primary-key row and nothing
    else; it is held until commit, since a rolled-back event must not leave its successor
    linked to nothing. Take it as late as possible: lock other rows before the first log write.
    (SQLite has no row locks; its ``BEGIN IMMEDIATE`` transactions already write one at a time.)
    """
    head = ContactLogChain.objects.select_for_update().filter(practice_id=practice_id).first()
    if head is None:
        # The practice's first event: create the head, racing safely with another first event.
        ContactLogChain.objects.bulk_create(
            [
                ContactLogChain(
                    practice_id=practice_id, hash=chain.GENESIS, verified_hash=chain.GENESIS
                )
            ],
            ignore_conflicts=True,
        )
        head = ContactLogChain.objects.select_for_update().get(practice_id=practice_id)
    return head


def _link(event: ContactEvent, head: ContactLogChain) -> None:
    """Give ``event`` the next place in the chain and move ``head`` (in memory) onto it."""
    event.sequence = head.sequence + 1
    event.previous_hash = head.hash
    event.hash = chain.event_hash({name: getattr(event, name) for name in chain.FIELDS}, head.hash)
    head.sequence, head.hash = event.sequence, event.hash


def message_body_break_glass(*, message: Message, by: User, reason: str) -> None:
    """An admin reads a body: the reason is logged before the body is shown."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ValueError("A break-glass reason needs at least 10 characters.")
    with transaction.atomic():
        contact_event_record(
            practice=message.practice,
            event_type=EventType.BODY_BREAK_GLASS,
            actor=by,
            message=message,
            summary=f"{by} opened a message body: {reason}"[:300],
            details={"reason": reason, "message": message.pk},
        )


def care_team_read_record(
    *,
    escalation,
    by: User,
    what: str,
    client: Membership | None = None,
    message: Message | None = None,
    agreement=None,
) -> None:
    """Someone paged for ``escalation`` opened ``what`` (message, client, safety plan or
    agreement) through paged care-team access: every such read is logged."""
    with transaction.atomic():
        contact_event_record(
            practice=escalation.practice,
            event_type=EventType.CARE_TEAM_READ,
            actor=by,
            client=client or escalation.client,
            message=message,
            agreement=agreement,
            summary=f"{by} opened the {what} (paged for escalation {escalation.pk})",
            details={"escalation": escalation.pk, "what": what},
        )


def log_exported(*, viewer: Membership, by: User, query: str) -> None:
    with transaction.atomic():
        contact_event_record(
            practice=viewer.practice,
            event_type=EventType.LOG_EXPORTED,
            actor=by,
            summary=f"{by} exported the contact log as CSV",
            details={"filters": query},
        )


def contact_log_verify(*, practice_id: int, full: bool = True) -> chain.Verified:
    """Recompute a practice's chain and record the outcome as its checkpoint.

    ``full`` walks every event from the first (what ``verify_contact_log`` does, and the only
    check that catches a rewrite of rows verified before); otherwise it goes on from the stored
    checkpoint. The walk holds no lock; the head is locked only at the end, for the moment it
    takes to see whether rows were added past it by something other than the one writer.
    """
    head = selectors.chain_head(practice_id=practice_id)
    upto = head.sequence if head else 0
    if full or head is None:
        after, after_hash = 0, chain.GENESIS
    else:
        after, after_hash = head.verified_sequence, head.verified_hash
    pinned = {head.verified_sequence: head.verified_hash} if head and head.verified_sequence else {}
    result = chain.verify(
        selectors.chain_events(practice_id=practice_id, after=after, upto=upto).iterator(
            chunk_size=2000
        ),
        after_sequence=after,
        after_hash=after_hash,
        pinned=pinned,
    )
    broken = result.broken
    with transaction.atomic():
        if head is not None:
            head = ContactLogChain.objects.select_for_update().get(pk=head.pk)
        extra = (
            ContactEvent.objects.filter(practice_id=practice_id)
            .exclude(sequence__lte=head.sequence if head else 0)
            .order_by("sequence")
            .values("id", "sequence")
            .first()
        )
        if broken is None and result.sequence < upto:
            missing = result.sequence + 1
            broken = chain.Break(missing, None, f"event {missing} is missing")
        if broken is None and extra is not None:
            broken = chain.Break(
                extra["sequence"],
                extra["id"],
                f"it was added past the chain's head (event {upto}) without the log's writer",
            )
        result = chain.Verified(result.sequence, result.hash, result.checked, broken)
        if head is None:
            return result  # no checkpoint to keep: a log without a head is reported, not fixed
        ContactLogChain.objects.filter(pk=head.pk).update(
            verified_sequence=result.sequence,
            verified_hash=result.hash,
            verified_at=timezone.now(),
            broken_at_sequence=broken.sequence if broken else None,
            broken_event_id=broken.event_id if broken else None,
            broken_reason=broken.reason[:200] if broken else "",
        )
    return result
