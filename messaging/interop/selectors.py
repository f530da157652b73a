"""What a client's FHIR export reads: a fixed number of queries however long the history."""

from __future__ import annotations

from dataclasses import dataclass

from agreements.models import ContactAgreement, Membership
from messaging.contactlog import access as log_access
from messaging.models import ContactEvent, Message


@dataclass(frozen=True)
class ClientRecord:
    agreements: list[ContactAgreement]
    messages: list[Message]
    events: list[ContactEvent]


def client_record(*, viewer: Membership, client: Membership) -> ClientRecord:
    """The client's agreement versions, messages and replies, and the log rows the viewer may
    see of them (``messaging.contactlog.access.visible_events``), oldest first."""
    agreements = (
        ContactAgreement.objects.filter(client=client)
        .select_related("acceptance", "therapist__user", "practice", "client__user")
        .order_by("version")
    )
    messages = (
        Message.objects.filter(client=client)
        .select_related("author", "therapist__user", "practice", "current_decision")
        .order_by("received_at", "pk")
    )
    events = (
        log_access.visible_events(viewer=viewer)
        .filter(client=client)
        .select_related("actor")
        .order_by("occurred_at", "pk")
    )
    return ClientRecord(agreements=list(agreements), messages=list(messages), events=list(events))
