"""The escalation engine: start, advance on the tick, acknowledge, record the outcome.

Durability rules (DESIGN.md → Escalation engine):

* Timers are ``Escalation.next_action_at`` in the database, never Celery countdowns or ETAs.
* A tick every second claims due escalations with ``SELECT … FOR UPDATE SKIP LOCKED LIMIT n``
  (a batch per short transaction), so any number of tick runners can work side by side.
  SQLite has no SKIP LOCKED: there every write transaction is ``BEGIN IMMEDIATE`` (see
  settings), so writers are serialised and the rows read inside it cannot change under us —
  the no-lock path.
* The first step is enqueued with ``transaction.on_commit``; if that enqueue is lost (broker
  down, worker killed) the tick finds the escalation due anyway.
* Pages are ``Notification`` rows written in the same transaction as the step, each with an
  idempotency key per (escalation, step, round, recipient, method); sending is a separate task,
  so a failing provider never holds the chain back.
* Acknowledgement and timeout both lock the escalation row: exactly one of them wins.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agreements.models import User
from contactpolicy.celery import app as celery_app
from contactpolicy.queues import CRISIS_QUEUE
from messaging.contactlog.services import contact_event_record
from messaging.models import (
    Escalation,
    EscalationPolicy,
    EscalationState,
    EventType,
    Message,
    SafetyOutcome,
    TriageDecision,
)
from messaging.notifications.services import PUBLISH_RETRY
from messaging.triage.categories import Category

from . import machine
from .acks import page_for_sms_ack
from .health import HEARTBEAT_TICK, heartbeat
from .pages import client_update, client_update_text, incident_page, joined_page, step_page
from .recipients import covering_therapist

logger = logging.getLogger("contactpolicy.escalation")


TICK_BATCH = 200


def policy_snapshot(policy: EscalationPolicy | None) -> machine.PolicySnapshot:
    """Freeze the policy's steps now; later edits never change a running escalation."""
    if policy is None:
        return machine.DEFAULT_POLICY
    steps = tuple(
        machine.StepSpec(
            action=machine.Action(step.action),
            wait=timedelta(minutes=step.wait_minutes),
            target_membership_id=step.target_id,
        )
        for step in policy.steps.order_by("position")
    )
    if not steps:
        return machine.PolicySnapshot(
            name=policy.name,
            steps=machine.DEFAULT_POLICY.steps,
            repeat_count=policy.repeat_count or machine.DEFAULT_POLICY.repeat_count,
            on_call_schedule_id=policy.on_call_schedule_id,
        )
    return machine.PolicySnapshot(
        name=policy.name,
        steps=steps,
        repeat_count=max(policy.repeat_count, 1),
        on_call_schedule_id=policy.on_call_schedule_id,
    )


def _policy_for(message: Message, decision: TriageDecision) -> EscalationPolicy | None:
    if decision.agreement_id and decision.agreement.escalation_policy_id:
        return decision.agreement.escalation_policy
    return EscalationPolicy.objects.filter(practice=message.practice, is_default=True).first()


#: A crisis message from a client whose escalation is still paging joins it rather than start
#: a second chain paging the same people in parallel; so does one that comes soon after a
#: clinician acknowledged (they are with the client and are told at once). Later than that, or
#: once the chain ran out (an incident), a new crisis gets a full chain of its own: nobody may
#: be waiting on the old one any more.
JOIN_AFTER_ACKNOWLEDGED = timedelta(hours=2)


def _open_escalation_of(client_id: int, now: datetime, *, crisis: bool) -> Escalation | None:
    """The client's escalation a new message joins, locked, if there is one. A crisis joins
    only a crisis escalation: one paging for an urgent call back would go on saying URGENT, so
    a crisis during it starts a crisis chain of its own."""
    running = (
        Escalation.objects.select_for_update(of=("self",))
        .filter(client_id=client_id)
        .filter(
            Q(state=EscalationState.ACTIVE)
            | Q(
                state=EscalationState.ACKNOWLEDGED,
                acknowledged_at__gt=now - JOIN_AFTER_ACKNOWLEDGED,
            )
        )
    )
    if crisis:
        running = running.filter(message__current_decision__category=Category.CRISIS)
    return running.order_by("-started_at", "-pk").first()


def _is_crisis(decision: TriageDecision | None) -> bool:
    return decision is not None and decision.category == Category.CRISIS


def escalation_join_hold(*, message: Message, now: datetime) -> None:
    """Lock the client's open escalation (if any) that ``message`` would join, before the
    caller writes its first contact-log row.

    A log row takes the practice's chain head lock until commit, and the tick and an
    acknowledgement lock an escalation before they log. Taking the escalation first here keeps
    one lock order everywhere (escalation, then chain head), so the two never deadlock.
    """
    if message.client_id is not None:
        _open_escalation_of(message.client_id, now, crisis=_is_crisis(message.current_decision))


def escalation_start(
    *, message: Message, decision: TriageDecision, now: datetime | None = None
) -> Escalation:
    """Start paging for ``message``, or join the client's open escalation. Runs inside the
    transaction that saved the message; the client's crisis reply is the caller's either way."""
    now = now or timezone.now()
    existing = Escalation.objects.filter(message=message).first()
    if existing is not None:
        return existing
    if message.joined_escalation_id is not None:
        return message.joined_escalation
    if message.client_id is not None:
        # Locked, so an outcome being recorded right now either waits for this join or is seen
        # as closed (and then this message starts a chain of its own).
        running = _open_escalation_of(message.client_id, now, crisis=_is_crisis(decision))
        if running is not None:
            escalation_join(escalation=running, message=message, now=now)
            return running
    policy = _policy_for(message, decision)
    snapshot = policy_snapshot(policy)
    progress = machine.start(now)
    escalation = Escalation.objects.create(
        practice=message.practice,
        message=message,
        client=message.client,
        therapist=covering_therapist(message.client.therapist, now) if message.client else None,
        policy=policy,
        policy_snapshot=snapshot.to_json(),
        state=progress.state.value,
        step_index=progress.step_index,
        cycle=progress.cycle,
        next_action_at=progress.next_action_at,
        started_at=now,
    )
    contact_event_record(
        practice=message.practice,
        event_type=EventType.ESCALATION_STARTED,
        client=message.client,
        message=message,
        summary=f"Escalation started with “{snapshot.name}”",
        details={"escalation": escalation.pk, "policy": snapshot.to_json()},
        occurred_at=now,
    )
    transaction.on_commit(lambda: enqueue_advance(escalation.pk))
    return escalation


def escalation_join(*, escalation: Escalation, message: Message, now: datetime) -> None:
    """``message`` joins ``escalation`` (linked and logged); whoever it is paging now, or whoever
    acknowledged it, is told a new crisis message came in. The caller holds the row lock."""
    message.joined_escalation = escalation
    message.save(update_fields=["joined_escalation"])
    contact_event_record(
        practice=message.practice,
        event_type=EventType.ESCALATION_JOINED,
        client=message.client,
        message=message,
        summary=f"Another crisis message joined escalation {escalation.pk} "
        f"({escalation.get_state_display().lower()})",
        details={"escalation": escalation.pk, "first_message": escalation.message_id},
        occurred_at=now,
    )
    joined_page(escalation, message, now)


#: Registered task names (kept from the first release, so queued tasks survive an upgrade).
ADVANCE_TASK = "messaging.tasks.escalation_advance"
TICK_TASK = "messaging.tasks.escalation_tick"
WATCHDOG_TASK = "messaging.tasks.engine_watchdog"


def enqueue_advance(escalation_id: int) -> None:
    """Ask the crisis worker to run the first step now. If the broker is down the tick catches it.

    Published by name, so this module never imports the task module that calls it.
    """
    try:
        celery_app.send_task(
            ADVANCE_TASK,
            args=[escalation_id],
            queue=CRISIS_QUEUE,
            retry=True,
            retry_policy=PUBLISH_RETRY,
        )
    except Exception:  # noqa: BLE001 - the database already holds the timer
        logger.warning(
            "could not enqueue escalation %s; the engine tick will start it", escalation_id
        )


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


#: The beat tick leaves a brand-new escalation to its own on-commit task this long, so a busy
#: worker doesn't run first steps twice over; the tick still starts any whose enqueue was lost.
FIRST_STEP_GRACE = timedelta(seconds=3)


#: How many due escalations one claim takes (``SELECT … FOR UPDATE SKIP LOCKED LIMIT``). Their
#: steps commit together, so a practice's chain head stays locked until the batch commits:
#: small enough that an intake in that practice waits a fraction of a second at most, large
#: enough that the claim and the commit are paid once for many steps.
TICK_CLAIM = 25


def escalation_tick(
    *,
    now: datetime | None = None,
    budget: int = TICK_BATCH,
    first_step_grace: timedelta = timedelta(0),
    claim: int = TICK_CLAIM,
) -> int:
    """Advance every due escalation (up to ``budget``), claiming ``claim`` at a time in one
    short transaction each. Returns how many it took.

    Within a claim the steps run in practice order: each step's log rows lock its practice's
    chain head until the commit, so two ticks side by side take the heads in the same order and
    never deadlock (an intake or an acknowledgement takes only one head, after its escalation).
    """
    moved = 0
    while moved < budget:
        moment = now or timezone.now()
        with transaction.atomic():
            due = list(
                Escalation.objects.select_for_update(of=("self",), **_skip_locked())
                .filter(state=EscalationState.ACTIVE, next_action_at__lte=moment)
                .exclude(step_index=0, cycle=0, started_at__gt=moment - first_step_grace)
                .order_by("next_action_at", "pk")[: min(claim, budget - moved)]
            )
            for escalation in sorted(due, key=lambda row: (row.practice_id, row.pk)):
                _advance_locked(escalation, now or timezone.now())
            moved += len(due)
        if len(due) < claim:
            break
    heartbeat(HEARTBEAT_TICK, {"moved": moved})
    return moved


def escalation_advance(*, escalation_id: int, now: datetime | None = None) -> bool:
    """Advance one escalation if it is due and nobody else holds it. Safe to run twice."""
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(**_skip_locked()).filter(pk=escalation_id).first()
        )
        if escalation is None:
            return False
        return _advance_locked(escalation, now or timezone.now())


def _progress(escalation: Escalation) -> machine.Progress:
    return machine.Progress(
        state=machine.State(escalation.state),
        step_index=escalation.step_index,
        cycle=escalation.cycle,
        next_action_at=escalation.next_action_at,
    )


def _advance_locked(escalation: Escalation, now: datetime) -> bool:
    snapshot = machine.PolicySnapshot.from_json(escalation.policy_snapshot)
    step = machine.advance(snapshot, _progress(escalation), now)
    if not step.changed:
        return False
    due_at = escalation.next_action_at
    escalation.state = step.progress.state.value
    escalation.step_index = step.progress.step_index
    escalation.cycle = step.progress.cycle
    escalation.next_action_at = step.progress.next_action_at
    fields = ["state", "step_index", "cycle", "next_action_at"]
    lateness_ms = int((now - due_at).total_seconds() * 1000) if due_at else 0
    if step.exhausted:
        escalation.exhausted_at = now
        fields.append("exhausted_at")
        escalation.save(update_fields=fields)
        incident_page(escalation, now)
    else:
        escalation.save(update_fields=fields)
        step_page(escalation, snapshot, step.page, now, lateness_ms)
    return True


@dataclass(frozen=True)
class AckResult:
    escalation: Escalation
    won: bool


def escalation_acknowledge(
    *, escalation_id: int, by: User, via: str, now: datetime | None = None
) -> AckResult:
    """Stop the chain. Racing a timeout, exactly one wins: both take the row lock."""
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        progress, won = machine.acknowledge(_progress(escalation))
        if not won:
            return AckResult(escalation, False)
        now = now or timezone.now()
        escalation.state = progress.state.value
        escalation.next_action_at = None
        escalation.acknowledged_at = now
        escalation.acknowledged_by = by
        escalation.acknowledged_via = via
        escalation.save(
            update_fields=[
                "state",
                "next_action_at",
                "acknowledged_at",
                "acknowledged_by",
                "acknowledged_via",
            ]
        )
        contact_event_record(
            practice=escalation.practice,
            event_type=EventType.ESCALATION_ACKNOWLEDGED,
            actor=by,
            client=escalation.client,
            message=escalation.message,
            summary=f"{by} acknowledged ({via})",
            details={"escalation": escalation.pk, "via": via},
            occurred_at=now,
        )
        client_update(escalation, client_update_text(escalation, now), now, None)
    return AckResult(escalation, True)


def ack_from_sms(*, phone: str, body: str) -> AckResult | None:
    """ "ACK 1234" (or just the code) from a clinician's phone acknowledges their page."""
    page = page_for_sms_ack(phone=phone, body=body)
    if page is None:
        return None
    return escalation_acknowledge(escalation_id=page.escalation_id, by=page.recipient, via="sms")


def escalation_record_outcome(
    *,
    escalation_id: int,
    by: User,
    client_contacted: bool,
    outcome: str,
    note: str = "",
    now: datetime | None = None,
) -> Escalation:
    outcome = SafetyOutcome(outcome)
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        if escalation.state == EscalationState.ACTIVE:
            raise ValueError("Acknowledge the escalation before recording its outcome.")
        now = now or timezone.now()
        if client_contacted and escalation.client_contacted_at is None:
            escalation.client_contacted_at = now
        escalation.outcome = outcome.value
        escalation.outcome_note = note.strip()
        escalation.outcome_recorded_at = now
        escalation.outcome_recorded_by = by
        escalation.state = EscalationState.RESOLVED
        escalation.save(
            update_fields=[
                "client_contacted_at",
                "outcome",
                "outcome_note",
                "outcome_recorded_at",
                "outcome_recorded_by",
                "state",
            ]
        )
        contact_event_record(
            practice=escalation.practice,
            event_type=EventType.ESCALATION_OUTCOME,
            actor=by,
            client=escalation.client,
            message=escalation.message,
            summary=f"Outcome: {outcome.label}"
            + (" — client contacted" if client_contacted else ""),
            details={"escalation": escalation.pk, "outcome": outcome.value},
            occurred_at=now,
        )
    return escalation
