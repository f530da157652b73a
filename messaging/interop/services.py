"""Exporting a client's record as FHIR: logged like the contact log's own export."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from agreements.models import Membership, User
from messaging.contactlog.services import contact_event_record
from messaging.interop import fhir, selectors
from messaging.models import EventType

#: The contact log's break-glass rule: a body is read only with a reason this long, logged.
BREAK_GLASS_MIN_CHARS = 10


def client_fhir_export(
    *,
    viewer: Membership,
    by: User,
    client: Membership,
    break_glass_reason: str = "",
    now: datetime | None = None,
) -> Bundle:
    """The client's Bundle. Message texts are in it only with a break-glass reason; the export
    (and the reason) is recorded in the contact log before anything is read.

    Raises ``ValueError`` for a reason that is given but too short."""
    now = now or timezone.now()
    reason = break_glass_reason.strip()
    if reason and len(reason) < BREAK_GLASS_MIN_CHARS:
        raise ValueError(f"A break-glass reason needs at least {BREAK_GLASS_MIN_CHARS} characters.")
    with_bodies = bool(reason)
    with transaction.atomic():
        what = "with message texts" if with_bodies else "metadata only"
        summary = f"{by} exported {client.user.name}'s record as FHIR ({what})"
        if reason:
            summary += f": {reason}"
        contact_event_record(
            practice=client.practice,
            event_type=EventType.RECORD_EXPORTED,
            actor=by,
            client=client,
            summary=summary[:300],
            details={"format": "fhir-r4b", "with_bodies": with_bodies, "reason": reason},
            occurred_at=now,
        )
        record = selectors.client_record(viewer=viewer, client=client)
    return fhir.client_bundle(
        client=client,
        agreements=record.agreements,
        messages=record.messages,
        events=record.events,
        with_bodies=with_bodies,
        now=now,
    )
