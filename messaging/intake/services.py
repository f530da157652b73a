"""One path in for every channel: save the message, triage it, answer it — in one transaction.

Portal, SMS webhook, email webhook and the operator console all call ``message_receive``. The
message, its decision, the auto-reply and their log events commit together or not at all, and
nothing here waits on the broker: a crisis reply never depends on Celery being up.
"""

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from agreements.models import ContactAgreement, Membership, Practice, Purpose, SafetyPlan
from messaging.between.selectors import check_in_answer_score
from messaging.between.services import check_in_reply_link
from messaging.contactlog.services import contact_event_record
from messaging.intake import selectors
from messaging.models import (
    Direction,
    Disposition,
    Escalation,
    EventType,
    Message,
    MessageStatus,
    NotificationPurpose,
    TriageDecision,
)
from messaging.notifications.services import automatic_message_record, client_message_notify
from messaging.triage import crisis_help, engine
from messaging.triage.categories import Category, most_severe
from messaging.triage.crisis_help import EmergencyNumbers
from messaging.triage.detector import Detection
from messaging.triage.replies import AutoReply, auto_reply

logger = logging.getLogger(__name__)

STATUS_FOR_DISPOSITION = {
    Disposition.ESCALATE: MessageStatus.ESCALATED,
    Disposition.DELIVER: MessageStatus.DELIVERED,
    Disposition.HOLD_FOR_SESSION: MessageStatus.HELD_FOR_SESSION,
}


@dataclass(frozen=True)
class Received:
    message: Message
    decision: TriageDecision
    auto_reply: Message
    duplicate: bool = False


def _fallback_decision(message: engine.InboundMessage, error: Exception) -> engine.TriageDecision:
    """If triage itself fails, the message still gets a decision a clinician sees at once."""
    declared = Category.CRISIS if message.declared_emergency else message.declared_purpose
    category = most_severe(declared, Category.URGENT)
    escalate = category == Category.CRISIS
    return engine.TriageDecision(
        category=category,
        disposition=engine.Disposition.ESCALATE if escalate else engine.Disposition.DELIVER,
        response_due_at=message.received_at,
        rules=(
            engine.FiredRule(
                "triage_error",
                "Automatic triage failed, so this is treated as at least urgent; "
                "a clinician should read it now.",
            ),
        ),
        detection=Detection(category=Category.URGENT, score=0.0, matches=(), suppressed=()),
        declared_category=Category(declared) if declared else None,
        agreement_id=None,
        agreement_version=None,
        outside_agreement=False,
        over_frequency_limit=False,
        is_check_in=False,
        after_hours=False,
    )


def _match_record(match) -> dict:
    return {
        "phrase": match.phrase,
        "start": match.start,
        "end": match.end,
        "signal": match.signal,
        "category": str(match.category),
        "weight": match.weight,
        "reason": match.reason,
    }


def decision_record(
    *,
    message: Message,
    result: engine.TriageDecision,
    agreement: ContactAgreement | None,
    decided_by=None,
    reason: str = "",
    previous: TriageDecision | None = None,
    decided_at: datetime | None = None,
) -> TriageDecision:
    category = Category(result.category)
    return TriageDecision.objects.create(
        message=message,
        category=category.value,
        severity=category.severity,
        disposition=str(result.disposition),
        response_due_at=result.response_due_at,
        declared_category=str(result.declared_category or ""),
        detected_category=str(result.detection.category),
        rules=[{"code": rule.code, "reason": rule.reason} for rule in result.rules],
        matches=[_match_record(m) for m in result.detection.matches],
        suppressed=[_match_record(m) for m in result.detection.suppressed],
        agreement=agreement if agreement and agreement.pk == result.agreement_id else None,
        agreement_version=result.agreement_version,
        outside_agreement=result.outside_agreement,
        over_frequency_limit=result.over_frequency_limit,
        is_check_in=result.is_check_in,
        after_hours=result.after_hours,
        decided_by=decided_by,
        reason=reason,
        previous=previous,
        decided_at=decided_at or timezone.now(),
    )


def _reply_text(
    *,
    message: Message,
    result: engine.TriageDecision,
    now: datetime,
    body_cut,
    escalation: Escalation | None = None,
) -> AutoReply:
    try:
        promised = None
        if escalation is not None:
            from messaging.escalation.promises import escalation_promised

            promised = escalation_promised(escalation, now=now)
        return _agreed_reply_text(
            message=message, result=result, now=now, body_cut=body_cut, promised=promised
        )
    except Exception:
        logger.exception("auto-reply failed for message %s; sending the safe reply", message.pk)
        return safe_reply(message.practice)


def safe_reply(practice: Practice) -> AutoReply:
    """The reply when the usual one can't be written: we have it, and help now if in danger."""
    return AutoReply(
        text=crisis_help.safe_reply_text(EmergencyNumbers.of(practice)), includes_crisis_help=True
    )


def _agreed_reply_text(
    *, message: Message, result: engine.TriageDecision, now: datetime, body_cut, promised=None
) -> AutoReply:
    client = message.client
    plan = None
    if client is not None:
        safety_plan = SafetyPlan.objects.filter(client=client).first()
        plan = safety_plan.sections() if safety_plan and not safety_plan.is_empty else None
    time_zone = client.time_zone if client else message.practice.time_zone
    return auto_reply(
        result,
        now=now,
        time_zone=time_zone,
        client_first_name=client.user.get_short_name() if client else "",
        therapist_name=str(client.therapist.user) if client else message.practice.name,
        emergency=EmergencyNumbers.of(message.practice),
        safety_plan=plan,
        body_cut=body_cut,
        channel=message.channel,
        promised=promised,
    )


def message_receive(
    *,
    practice: Practice,
    channel: str,
    body: str,
    sender: Membership | None,
    sender_address: str = "",
    declared_purpose: str | None = None,
    declared_emergency: bool | None = None,
    received_at: datetime | None = None,
    provider_message_id: str = "",
    recorded_by=None,
    body_full_length: int | None = None,
    unfinished_call: bool = False,
) -> Received:
    """Keep, triage and answer one inbound message. Unknown senders go to the practice.

    ``body_full_length``: how long the message was when ``body`` is only its first part (intake
    keeps the whole on the request's envelope); the auto-reply then says what was kept.
    """
    received_at = received_at or timezone.now()
    if declared_purpose and declared_purpose not in Purpose.values:
        raise ValueError(f"unknown purpose {declared_purpose!r}")
    if provider_message_id:
        existing = _already_received(channel, provider_message_id)
        if existing:
            return existing
    try:
        with transaction.atomic():
            return _receive(
                practice=practice,
                channel=channel,
                body=body,
                sender=sender,
                sender_address=sender_address,
                declared_purpose=declared_purpose or "",
                declared_emergency=declared_emergency,
                received_at=received_at,
                provider_message_id=provider_message_id,
                recorded_by=recorded_by,
                body_full_length=body_full_length,
                unfinished_call=unfinished_call,
            )
    except IntegrityError:
        # The same provider message raced in twice; the other one won.
        existing = _already_received(channel, provider_message_id) if provider_message_id else None
        if existing is None:
            raise
        return existing


def _already_received(channel: str, provider_message_id: str) -> Received | None:
    message = (
        Message.objects.select_related("current_decision")
        .filter(
            channel=channel, provider_message_id=provider_message_id, direction=Direction.INBOUND
        )
        .first()
    )
    if message is None:
        return None
    reply = message.replies.filter(is_automatic=True).order_by("id").first()
    return Received(message, message.current_decision, reply, duplicate=True)


def _receive(
    *,
    practice: Practice,
    channel: str,
    body: str,
    sender: Membership | None,
    sender_address: str,
    declared_purpose: str,
    declared_emergency: bool | None,
    received_at: datetime,
    provider_message_id: str,
    recorded_by,
    body_full_length: int | None,
    unfinished_call: bool = False,
) -> Received:
    message = Message.objects.create(
        practice=practice,
        client=sender,
        therapist=sender.therapist if sender else None,
        channel=channel,
        direction=Direction.INBOUND,
        body=body,
        sender_address=sender_address,
        declared_purpose=declared_purpose,
        declared_emergency=declared_emergency,
        received_at=received_at,
        provider_message_id=provider_message_id,
        author=sender.user if sender else None,
        recorded_by=recorded_by,
    )
    inbound = engine.InboundMessage(
        channel=channel,
        body=body,
        received_at=received_at,
        declared_purpose=declared_purpose or None,
        declared_emergency=declared_emergency,
        sender_known=sender is not None,
        unfinished_call=unfinished_call,
    )
    try:
        # Read before ``check_in_reply_link`` below marks that check-in answered.
        inbound = replace(
            inbound,
            check_in_score=check_in_answer_score(client=sender, body=body, at=received_at),
        )
        context, agreement = selectors.triage_context(
            practice=practice, client=sender, received_at=received_at
        )
        result = engine.triage(inbound, context)
    except Exception as error:
        # Whatever fails in reading the agreement or applying the rules, the message is kept
        # and a clinician sees it at once.
        logger.exception("triage failed for message %s; using the safe fallback", message.pk)
        agreement = None
        result = _fallback_decision(inbound, error)
    decision = decision_record(
        message=message, result=result, agreement=agreement, decided_at=received_at
    )
    message.current_decision = decision
    message.status = STATUS_FOR_DISPOSITION[Disposition(decision.disposition)]
    message.save(update_fields=["current_decision", "status"])
    if decision.disposition == Disposition.ESCALATE:
        escalation_join_hold(message=message, now=received_at)
    # Logged once triaged, so the "received" row carries its category for the review filters.
    # An unknown sender's number or address stays on the message, out of the log's summary.
    who = str(sender.user) if sender else "an unknown sender"
    contact_event_record(
        practice=practice,
        event_type=EventType.MESSAGE_RECEIVED,
        actor=recorded_by or (sender.user if sender else None),
        client=sender,
        message=message,
        summary=f"{message.get_channel_display()} message from {who}",
        details={
            "channel": channel,
            "declared_purpose": declared_purpose,
            "declared_emergency": declared_emergency,
            **({"body_cut_from": body_full_length} if body_full_length else {}),
        },
        occurred_at=received_at,
    )
    contact_event_record(
        practice=practice,
        event_type=EventType.MESSAGE_TRIAGED,
        client=sender,
        agreement=decision.agreement,
        message=message,
        summary=f"{decision.get_category_display()}: {decision.get_disposition_display().lower()}"
        + (f" (agreement v{decision.agreement_version})" if decision.agreement_version else ""),
        details={
            "category": decision.category,
            "disposition": decision.disposition,
            "rules": [rule["code"] for rule in decision.rules],
            "response_due_at": decision.response_due_at.isoformat()
            if decision.response_due_at
            else None,
        },
        occurred_at=received_at,
    )
    escalation = None
    if decision.disposition == Disposition.ESCALATE:
        escalation = escalation_request(message=message, decision=decision, now=received_at)
    # Whatever it says, a client's message answers the check-in waiting for them.
    check_in_reply_link(message=message, now=received_at)
    reply = _auto_reply_record(
        message=message,
        result=result,
        now=received_at,
        body_cut=(len(body), body_full_length) if body_full_length else None,
        escalation=escalation,
    )
    return Received(message, decision, reply)


def escalation_join_hold(*, message: Message, now: datetime) -> None:
    """Before any log row of an escalating message: the lock order the engine keeps."""
    from messaging.escalation.lifecycle import escalation_join_hold as hold

    hold(message=message, now=now)


def escalation_request(
    *, message: Message, decision: TriageDecision, now: datetime | None = None
) -> Escalation:
    """This message needs a person now: log it and start the answering-service chain."""
    from messaging.escalation.lifecycle import escalation_start

    contact_event_record(
        practice=message.practice,
        event_type=EventType.ESCALATION_REQUESTED,
        client=message.client,
        message=message,
        summary=f"Escalation requested: {decision.get_category_display().lower()} message",
        details={"decision": decision.pk, "category": decision.category},
        occurred_at=now,
    )
    return escalation_start(message=message, decision=decision, now=now)


def _auto_reply_record(
    *,
    message: Message,
    result: engine.TriageDecision,
    now: datetime,
    body_cut=None,
    escalation: Escalation | None = None,
) -> Message:
    """The auto-reply; a crisis reply belongs to the message's escalation, so it is sent on the
    crisis queue like the pages."""
    reply = _reply_text(
        message=message, result=result, now=now, body_cut=body_cut, escalation=escalation
    )
    outbound = automatic_message_record(
        to=message,
        text=reply.text,
        now=now,
        summary=f"Auto-reply on {message.get_channel_display()}"
        + (" with crisis help" if reply.includes_crisis_help else ""),
        includes_crisis_help=reply.includes_crisis_help,
    )
    client_message_notify(
        message=outbound, now=now, purpose=NotificationPurpose.AUTO_REPLY, escalation=escalation
    )
    return outbound
