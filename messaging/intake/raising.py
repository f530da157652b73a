""" "This can't wait": a client raises one of their held or delivered messages.

From the portal (a button on the message), by SMS or by email (a reply that is just the
keyword ``replies.RAISE_KEYWORD``, any case). The message is triaged again from the moment they
say so, declared urgent, by the engine's rule l (``engine.triage_raised``: never lower, a crisis
stays a crisis); the new decision is written like every re-triage (``decision_record``, the old
one kept beside it), logged as ``message.raised``, and answered with an auto-reply that says
what happens now. Raising twice changes nothing the second time: a double tap is one raise.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agreements.models import Membership
from messaging.contactlog.services import contact_event_record
from messaging.intake import selectors
from messaging.intake.services import (
    STATUS_FOR_DISPOSITION,
    _auto_reply_record,
    decision_record,
    escalation_join_hold,
    escalation_request,
)
from messaging.models import (
    Disposition,
    EnvelopeStatus,
    EventType,
    InboundEnvelope,
    Message,
    TriageDecision,
)
from messaging.triage import engine
from messaging.triage.categories import Category
from messaging.triage.replies import RAISE_KEYWORD

# The whole text is the keyword, give or take spaces and a full stop or exclamation mark.
_KEYWORD = re.compile(rf"\s*{RAISE_KEYWORD}\s*[.!]*\s*", flags=re.IGNORECASE)


@dataclass(frozen=True)
class Raised:
    message: Message
    decision: TriageDecision
    auto_reply: Message | None
    # True when it had been raised already: nothing was changed, sent or logged this time.
    already: bool = False


def is_raise_keyword(text: str) -> bool:
    """An SMS that is only the keyword ("URGENT", "urgent!", " Urgent. ")."""
    return _KEYWORD.fullmatch(text or "") is not None


def email_is_raise_keyword(text: str) -> bool:
    """An email reply whose first line with anything on it is only the keyword.

    Only the first line counts: a reply quotes the auto-reply below it, which names the keyword.
    """
    for line in (text or "").splitlines():
        if line.strip():
            return is_raise_keyword(line)
    return False


def message_raise(
    *, message: Message, by: Membership, via: str, now: datetime | None = None
) -> Raised:
    """Raise ``message`` for its own client ``by``, who said so ``via`` a channel.

    Takes the message's row lock, so two taps at once make one raise. Raises ``ValueError``
    when the message is not one the client may raise (``selectors.message_is_raisable``).
    """
    if message.client_id != by.pk:
        raise ValueError("a client raises only their own messages")
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("current_decision", "client__user", "client__therapist__user")
            .get(pk=message.pk)
        )
        previous = message.current_decision
        if selectors.was_raised(previous):
            reply = message.replies.filter(is_automatic=True).order_by("-id").first()
            return Raised(message, previous, reply, already=True)
        if not selectors.message_is_raisable(message):
            raise ValueError("only a held or delivered message waiting for a reply is raised")
        now = now or timezone.now()
        context, agreement = selectors.triage_context(
            practice=message.practice, client=message.client, received_at=now
        )
        result = engine.triage_raised(
            engine.InboundMessage(
                channel=via,
                body=message.body,
                received_at=now,
                declared_purpose=message.declared_purpose or None,
                declared_emergency=message.declared_emergency,
                sender_known=True,
            ),
            context,
            previous_category=Category(previous.category),
            previous_disposition=engine.Disposition(previous.disposition),
            previous_due_at=previous.response_due_at,
        )
        decision = decision_record(
            message=message,
            result=result,
            agreement=agreement,
            decided_by=by.user,
            reason=f"The client said this can't wait ({via}).",
            previous=previous,
            decided_at=now,
        )
        message.current_decision = decision
        message.status = STATUS_FOR_DISPOSITION[Disposition(decision.disposition)]
        message.save(update_fields=["current_decision", "status"])
        if decision.disposition == Disposition.ESCALATE:
            escalation_join_hold(message=message, now=now)
        contact_event_record(
            practice=message.practice,
            event_type=EventType.MESSAGE_RAISED,
            actor=by.user,
            client=by,
            agreement=decision.agreement,
            message=message,
            summary=f"{by.user} said this can't wait ({via}): {previous.category} → "
            f"{decision.category} ({decision.disposition})",
            details={
                "via": via,
                "from": previous.category,
                "from_disposition": previous.disposition,
                "to": decision.category,
                "disposition": decision.disposition,
                "decision": decision.pk,
                "response_due_at": decision.response_due_at.isoformat()
                if decision.response_due_at
                else None,
            },
            occurred_at=now,
        )
        escalation = None
        if decision.disposition == Disposition.ESCALATE:
            escalation = escalation_request(message=message, decision=decision, now=now)
        reply = _auto_reply_record(message=message, result=result, now=now, escalation=escalation)
    return Raised(message, decision, reply)


def message_raise_by_reply(
    *, client: Membership, channel: str, envelope: InboundEnvelope, now: datetime | None = None
) -> Raised | None:
    """An SMS or email reply that is the keyword raises the client's most recent held or
    delivered message on that channel; the request's envelope is then done, kept with it.

    None when there is nothing to raise: the reply is then an ordinary message.
    """
    message = selectors.message_to_raise(client=client, channel=channel)
    if message is None:
        return None
    raised = message_raise(message=message, by=client, via=channel, now=now)
    with transaction.atomic(durable=True):
        InboundEnvelope.objects.filter(pk=envelope.pk, status=EnvelopeStatus.PENDING).update(
            status=EnvelopeStatus.PROCESSED,
            practice=client.practice,
            message=raised.message,
            refusal="",
            processed_at=timezone.now(),
        )
    return raised
