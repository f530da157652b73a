"""A client's record as a FHIR Bundle (type ``collection``), built and validated with the models
of ``fhir.resources`` (its R4B package, FHIR 4.3.0; see README).

* the client is a ``Patient``;
* each agreement version is a ``Consent`` (its acceptance is the Consent's verification);
* each message and reply is a ``Communication``: metadata always, the text (``payload``) only
  when the export was made with a break-glass reason;
* each contact-log row is an ``AuditEvent``.

Entries refer to one another by ``urn:uuid:`` full URLs derived from the practice, the kind of
row and its id, so the same row has the same URL in every export.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle

from agreements.models import AgreementStatus, ContactAgreement, Membership
from messaging.models import ContactEvent, Direction, Message

CODE_SYSTEM = "urn:contactpolicy"  # our own codes and identifiers
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
AUDIT_ACTION_EXECUTE = "E"
_NAMESPACE = uuid.UUID("5b2f0f4e-6c1e-4c55-9a1a-3c2e7f0d9b11")

CONSENT_STATUS = {
    AgreementStatus.DRAFT: "draft",
    AgreementStatus.PROPOSED: "proposed",
    AgreementStatus.ACTIVE: "active",
    AgreementStatus.SUPERSEDED: "inactive",
    AgreementStatus.ENDED: "inactive",
}
# How the message travelled (HL7 v3 ParticipationMode).
MEDIUM = {
    "portal": ("ONLINEWRIT", "online written"),
    "sms": ("WRITTEN", "written"),
    "email": ("EMAILWRIT", "email"),
    "phone": ("PHONE", "telephone"),
}
PRIORITY = {"crisis": "stat", "urgent": "urgent"}


def full_url(practice_id: int, kind: str, pk: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{practice_id}/{kind}/{pk}')}"


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _person(membership: Membership | None) -> dict:
    return {"display": membership.user.name} if membership is not None else {}


def patient(client: Membership) -> dict:
    return {
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": [{"system": f"{CODE_SYSTEM}:client", "value": str(client.pk)}],
        "name": [{"text": client.user.name}],
        "active": client.is_active,
    }


def consent(agreement: ContactAgreement, *, patient_url: str) -> dict:
    acceptance = getattr(agreement, "acceptance", None)
    resource = {
        "resourceType": "Consent",
        "id": str(agreement.pk),
        "identifier": [{"system": f"{CODE_SYSTEM}:agreement", "value": str(agreement.pk)}],
        "status": CONSENT_STATUS[agreement.status],
        "scope": {
            "coding": [{"system": CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}]
        },
        "category": [
            {
                "coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}],
                "text": "Between-session contact agreement",
            }
        ],
        "patient": {"reference": patient_url, "display": agreement.client.user.name},
        "dateTime": _instant(agreement.proposed_at or agreement.created_at),
        "performer": [{"reference": patient_url}],
        "organization": [{"display": agreement.practice.name}],
        "policyRule": {
            "text": f"Contact agreement version {agreement.version} with "
            f"{agreement.therapist.user.name}"
        },
    }
    if agreement.activated_at:
        period = {"start": _instant(agreement.activated_at)}
        ended = agreement.superseded_at or agreement.ended_at
        if ended:
            period["end"] = _instant(ended)
        resource["provision"] = {"type": "permit", "period": period}
    if acceptance is not None:
        resource["verification"] = [
            {
                "verified": True,
                "verifiedWith": {"reference": patient_url},
                "verificationDate": _instant(acceptance.accepted_at),
            }
        ]
        resource["sourceAttachment"] = {
            "title": f"Terms accepted (SHA-256 {acceptance.terms_digest})",
            "creation": _instant(acceptance.accepted_at),
        }
    return resource


def communication(message: Message, *, patient_url: str, with_body: bool) -> dict:
    code, display = MEDIUM.get(message.channel, ("WRITTEN", "written"))
    decision = message.current_decision if message.current_decision_id else None
    client_side = {"reference": patient_url}
    staff_side = (
        {"display": message.author.name}
        if message.author is not None
        else _person(message.therapist)
        or {"display": message.practice.name if not message.is_automatic else "Auto-reply"}
    )
    inbound = message.direction == Direction.INBOUND
    resource = {
        "resourceType": "Communication",
        "id": str(message.pk),
        "identifier": [{"system": f"{CODE_SYSTEM}:message", "value": str(message.pk)}],
        "status": "completed",
        "subject": {"reference": patient_url},
        "medium": [
            {
                "coding": [{"system": PARTICIPATION_MODE, "code": code, "display": display}],
                "text": message.get_channel_display(),
            }
        ],
        "sent": _instant(message.received_at),
        "sender": client_side if inbound else staff_side,
        "recipient": [staff_side if inbound else client_side],
        "category": [
            {
                "coding": [
                    {
                        "system": f"{CODE_SYSTEM}:direction",
                        "code": message.direction,
                        "display": message.get_direction_display(),
                    }
                ]
            }
        ],
    }
    if message.in_reply_to_id:
        resource["inResponseTo"] = [
            {"reference": full_url(message.practice_id, "message", message.in_reply_to_id)}
        ]
    if decision is not None:
        resource["priority"] = PRIORITY.get(decision.category, "routine")
        resource["reasonCode"] = [
            {
                "coding": [{"system": f"{CODE_SYSTEM}:triage-category", "code": decision.category}],
                "text": f"{decision.category}, {decision.disposition}",
            }
        ]
    if with_body:
        resource["payload"] = [{"contentString": message.body}]
    return resource


def audit_event(event: ContactEvent, *, patient_url: str) -> dict:
    entities = [{"what": {"reference": patient_url}}]
    if event.message_id:
        entities.append(
            {"what": {"reference": full_url(event.practice_id, "message", event.message_id)}}
        )
    if event.agreement_id:
        entities.append(
            {"what": {"reference": full_url(event.practice_id, "agreement", event.agreement_id)}}
        )
    agent = (
        {"who": {"display": event.actor.name}, "requestor": True}
        if event.actor is not None
        else {"who": {"display": "Contact Policy"}, "requestor": False}
    )
    return {
        "resourceType": "AuditEvent",
        "id": str(event.pk),
        "type": {
            "system": f"{CODE_SYSTEM}:contact-event",
            "code": event.event_type,
            "display": event.get_event_type_display(),
        },
        "action": AUDIT_ACTION_EXECUTE,
        "recorded": _instant(event.occurred_at),
        "outcome": "0",
        "outcomeDesc": event.summary,
        "agent": [agent],
        "source": {"observer": {"display": "Contact Policy contact log"}},
        "entity": entities,
    }


def client_bundle(
    *,
    client: Membership,
    agreements: Iterable[ContactAgreement],
    messages: Iterable[Message],
    events: Iterable[ContactEvent],
    with_bodies: bool,
    now: datetime,
) -> Bundle:
    """The validated Bundle; raises pydantic's ValidationError if a resource is not valid FHIR."""
    practice_id = client.practice_id
    patient_url = full_url(practice_id, "client", client.pk)
    entries = [{"fullUrl": patient_url, "resource": patient(client)}]
    entries += [
        {
            "fullUrl": full_url(practice_id, "agreement", agreement.pk),
            "resource": consent(agreement, patient_url=patient_url),
        }
        for agreement in agreements
    ]
    entries += [
        {
            "fullUrl": full_url(practice_id, "message", message.pk),
            "resource": communication(message, patient_url=patient_url, with_body=with_bodies),
        }
        for message in messages
    ]
    entries += [
        {
            "fullUrl": full_url(practice_id, "event", event.pk),
            "resource": audit_event(event, patient_url=patient_url),
        }
        for event in events
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "identifier": {
                "system": f"{CODE_SYSTEM}:export",
                "value": f"{practice_id}/{client.pk}/{now.isoformat()}",
            },
            "type": "collection",
            "timestamp": _instant(now),
            "entry": entries,
        }
    )
