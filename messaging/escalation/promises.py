"""What the client is told an escalation will do, in names (DESIGN.md, invariant 8).

One source: ``machine.promise`` reads the escalation's own policy snapshot and progress — the
same the engine advances — and this module only puts names to its steps: whoever a step
already paged (from the step's log event), or whoever ``page_recipients`` would page when the
step comes due. The auto-reply, the client's status page and the engine's updates to the
client all read it here.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from agreements.models import User
from messaging.models import ContactEvent, Escalation, EscalationState, EventType, Message
from messaging.triage.categories import Category
from messaging.triage.replies import Promised, promise_text

from . import machine
from .recipients import page_recipients


def _progress(escalation: Escalation) -> machine.Progress:
    return machine.Progress(
        state=machine.State(escalation.state),
        step_index=escalation.step_index,
        cycle=escalation.cycle,
        next_action_at=escalation.next_action_at,
    )


def _paged_users(escalation: Escalation, contact: machine.Contact) -> list[User] | None:
    """Who the step actually paged, or None if it hasn't run yet."""
    events = ContactEvent.objects.filter(
        message_id=escalation.message_id, event_type=EventType.ESCALATION_STEP
    ).order_by("-id")
    for event in events:
        details = event.details or {}
        if (
            details.get("escalation") == escalation.pk
            and details.get("step_index") == contact.step_index
            and details.get("cycle") == contact.cycle
        ):
            ids = details.get("recipients") or []
            users = {user.pk: user for user in User.objects.filter(pk__in=ids)}
            return [users[pk] for pk in ids if pk in users]
    return None


def _who(
    escalation: Escalation,
    snapshot: machine.PolicySnapshot,
    contact: machine.Contact,
    *,
    already_paged: bool,
    now: datetime,
) -> str:
    users = _paged_users(escalation, contact) if already_paged else None
    if users is None:
        page = machine.Page(
            contact.action, contact.step_index, contact.cycle, contact.target_membership_id
        )
        users = page_recipients(escalation, snapshot, page, max(contact.at, now))
    return _names(escalation, contact.action, users)


def _names(escalation: Escalation, action: machine.Action, users: list[User]) -> str:
    if not users or (action == machine.Action.NOTIFY_ADMINS and len(users) > 1):
        return "the practice team"
    named = " and ".join(str(user) for user in users)
    if action == machine.Action.NOTIFY_ON_CALL and len(users) == 1:
        return f"{named} (the on-call clinician)"
    return named


def escalation_promised(escalation: Escalation, *, now: datetime | None = None) -> Promised:
    """Who ``escalation`` is contacting now and next, with names."""
    now = now or timezone.now()
    if escalation.state in (EscalationState.ACKNOWLEDGED, EscalationState.RESOLVED):
        by = escalation.acknowledged_by
        return Promised(
            acknowledged_by=str(by) if by else "A clinician",
            resolved=escalation.state == EscalationState.RESOLVED,
        )
    snapshot = machine.PolicySnapshot.from_json(escalation.policy_snapshot)
    promise = machine.promise(snapshot, _progress(escalation))
    if promise.contacting is None:
        return Promised(exhausted=True)
    return Promised(
        contacting=_who(
            escalation,
            snapshot,
            promise.contacting,
            already_paged=escalation.step_index > 0,
            now=now,
        ),
        then=_who(escalation, snapshot, promise.then, already_paged=False, now=now)
        if promise.then
        else None,
        then_at=promise.then.at if promise.then else None,
        ends_at=promise.ends_at,
    )


def is_urgent(escalation: Escalation) -> bool:
    """An urgent (not crisis) escalation: the agreement sends urgent matters on call."""
    decision = escalation.message.current_decision
    return decision is not None and decision.category != Category.CRISIS


def escalation_promise_text(escalation: Escalation, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    zone = escalation.client.time_zone if escalation.client else escalation.practice.time_zone
    return promise_text(
        escalation_promised(escalation, now=now),
        now=now,
        time_zone=zone,
        urgent=is_urgent(escalation),
    )


@dataclass(frozen=True)
class StatusPromise:
    text: str
    # Still paging (or exhausted, still being chased): the status page refreshes itself.
    changing: bool


def promise_for_message(message: Message, *, now: datetime | None = None) -> StatusPromise | None:
    """The status page's "who is being contacted": None unless the message escalated."""
    escalation = (
        Escalation.objects.filter(message=message)
        .select_related(
            "practice", "client", "therapist__user", "acknowledged_by", "message__current_decision"
        )
        .first()
    )
    if escalation is None:
        return None
    return StatusPromise(
        text=escalation_promise_text(escalation, now=now),
        changing=escalation.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED),
    )
