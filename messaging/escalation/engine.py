"""The escalation engine: start, advance on the tick, acknowledge, record the outcome.

Durability rules (DESIGN.md → Escalation engine):

* Timers are ``Escalation.next_action_at`` in the database, never Celery countdowns or ETAs.
* A tick every second claims due escalations with ``SELECT … FOR UPDATE SKIP LOCKED`` (one row
  per short transaction), so any number of tick runners can work side by side. SQLite has no
  SKIP LOCKED: there every write transaction is ``BEGIN IMMEDIATE`` (see settings), so writers
  are serialised and the row read inside it cannot change under us — the no-lock path.
* The first step is enqueued with ``transaction.on_commit``; if that enqueue is lost (broker
  down, worker killed) the tick finds the escalation due anyway.
* Pages are ``Notification`` rows written in the same transaction as the step, each with an
  idempotency key per (escalation, step, round, recipient, method); sending is a separate task,
  so a failing provider never holds the chain back.
* Acknowledgement and timeout both lock the escalation row: exactly one of them wins.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agreements.models import AwayPeriod, Membership, Role, User
from messaging.models import (
    EngineHeartbeat,
    Escalation,
    EscalationPolicy,
    EscalationState,
    EventType,
    Message,
    Notification,
    NotificationPurpose,
    NotificationStatus,
    SafetyOutcome,
    TriageDecision,
)
from messaging.services.contact_log import contact_event_record
from messaging.services.delivery import automatic_message_record, recipient_address

from . import machine

logger = logging.getLogger("contactpolicy.escalation")

ACK_SALT = "contactpolicy.escalation.ack"
ACK_LINK_MAX_AGE = timedelta(hours=24)
TICK_BATCH = 200
HEARTBEAT_TICK = "tick"


# --- starting ------------------------------------------------------------------------------


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


def covering_therapist(therapist: Membership | None, at: datetime) -> Membership | None:
    """Whoever covers the therapist at ``at``: the cover during an away period, else them."""
    if therapist is None:
        return None
    away = (
        AwayPeriod.objects.filter(therapist=therapist, starts_at__lte=at, ends_at__gt=at)
        .select_related("covering_therapist__user")
        .order_by("-starts_at")
        .first()
    )
    if away is None:
        return therapist
    return away.covering_therapist


def escalation_start(
    *, message: Message, decision: TriageDecision, now: datetime | None = None
) -> Escalation:
    """Start paging for ``message``. Runs inside the transaction that saved the message."""
    now = now or timezone.now()
    existing = Escalation.objects.filter(message=message).first()
    if existing is not None:
        return existing
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


def enqueue_advance(escalation_id: int) -> None:
    """Ask a worker to run the first step now. If the broker is down the tick catches it."""
    from messaging import tasks

    try:
        tasks.escalation_advance.apply_async(
            args=[escalation_id], retry=True, retry_policy=PUBLISH_RETRY
        )
    except Exception:  # noqa: BLE001 - the database already holds the timer
        logger.warning(
            "could not enqueue escalation %s; the engine tick will start it", escalation_id
        )


PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


# --- advancing ---------------------------------------------------------------------------


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


#: The beat tick leaves a brand-new escalation to its own on-commit task this long, so a busy
#: worker doesn't run first steps twice over; the tick still starts any whose enqueue was lost.
FIRST_STEP_GRACE = timedelta(seconds=3)


def escalation_tick(
    *,
    now: datetime | None = None,
    budget: int = TICK_BATCH,
    first_step_grace: timedelta = timedelta(0),
) -> int:
    """Advance every due escalation, one short transaction each. Returns how many moved."""
    moved = 0
    for _ in range(budget):
        moment = now or timezone.now()
        with transaction.atomic():
            due = (
                Escalation.objects.select_for_update(**_skip_locked())
                .filter(state=EscalationState.ACTIVE, next_action_at__lte=moment)
                .exclude(step_index=0, cycle=0, started_at__gt=moment - first_step_grace)
                .order_by("next_action_at", "pk")
                .first()
            )
            if due is None:
                break
            _advance_locked(due, now or timezone.now())
            moved += 1
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
        _exhausted(escalation, now)
    else:
        escalation.save(update_fields=fields)
        _page(escalation, snapshot, step.page, now, lateness_ms)
    return True


def _recipients(
    escalation: Escalation, snapshot: machine.PolicySnapshot, page: machine.Page, now: datetime
) -> list[User]:
    practice_members = Membership.objects.select_related("user").filter(
        practice=escalation.practice, is_active=True
    )
    if page.action == machine.Action.NOTIFY_THERAPIST:
        therapist = covering_therapist(
            escalation.client.therapist if escalation.client else None, now
        )
        if therapist is not None:
            return [therapist.user]
        # Unknown sender, or away with nobody covering: whoever is on call instead.
        return _on_call(escalation, snapshot, now) or _admins(practice_members)
    if page.action == machine.Action.NOTIFY_ON_CALL:
        return _on_call(escalation, snapshot, now) or _admins(practice_members)
    if page.action == machine.Action.NOTIFY_USER and page.target_membership_id:
        target = practice_members.filter(pk=page.target_membership_id).first()
        if target is not None:
            return [target.user]
    return _admins(practice_members)


def _admins(members) -> list[User]:
    return [m.user for m in members.filter(role=Role.ADMIN)]


def _on_call(escalation: Escalation, snapshot: machine.PolicySnapshot, now: datetime):
    from messaging.escalation.oncall_selectors import on_call_now
    from messaging.models import OnCallSchedule

    schedules = OnCallSchedule.objects.filter(practice=escalation.practice, is_active=True)
    schedule = (
        schedules.filter(pk=snapshot.on_call_schedule_id).first()
        if snapshot.on_call_schedule_id
        else schedules.order_by("pk").first()
    )
    if schedule is None:
        return []
    member = on_call_now(schedule=schedule, at=now)
    return [member.user] if member is not None else []


def _ack_code() -> str:
    return f"{secrets.randbelow(10**4):04d}"


def ack_token(notification: Notification) -> str:
    return signing.TimestampSigner(salt=ACK_SALT).sign(str(notification.pk))


def ack_url(notification: Notification) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "escalation_ack_link", args=[ack_token(notification)]
    )


def _page_text(escalation: Escalation, code: str, url: str) -> tuple[str, str]:
    who = str(escalation.client.user) if escalation.client else "An unknown caller"
    channel = escalation.message.get_channel_display().lower()
    subject = f"Crisis: {who} needs a clinician now"
    body = (
        f"CRISIS — {who} ({escalation.practice.name}) sent a crisis message by {channel}. "
        f"Please call them now. Acknowledge: reply ACK {code} or open {url}"
    )
    return subject, body


def _page(
    escalation: Escalation,
    snapshot: machine.PolicySnapshot,
    page: machine.Page,
    now: datetime,
    lateness_ms: int,
) -> None:
    from messaging.escalation.contact_methods import contact_methods_for

    recipients = _recipients(escalation, snapshot, page, now)
    created: list[int] = []
    for user in recipients:
        for method in contact_methods_for(user):
            key = (
                f"esc{escalation.pk}:s{page.step_index}:c{page.cycle}:u{user.pk}:"
                f"{method.kind}:{method.address}"
            )
            notification, was_created = Notification.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "escalation": escalation,
                    "practice": escalation.practice,
                    "recipient": user,
                    "purpose": NotificationPurpose.PAGE,
                    "channel": method.kind,
                    "address": method.address,
                    "body": "",
                    "step_index": page.step_index,
                    "cycle": page.cycle,
                    "ack_code": _ack_code(),
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            if was_created:
                subject, body = _page_text(escalation, notification.ack_code, ack_url(notification))
                notification.subject, notification.body = subject, body
                notification.save(update_fields=["subject", "body"])
                created.append(notification.pk)
    names = ", ".join(str(user) for user in recipients) or "nobody (no recipient found)"
    contact_event_record(
        practice=escalation.practice,
        event_type=EventType.ESCALATION_STEP,
        client=escalation.client,
        message=escalation.message,
        summary=f"Step {page.step_index + 1} (round {page.cycle + 1}): paged {names}",
        details={
            "escalation": escalation.pk,
            "action": page.action.value,
            "step_index": page.step_index,
            "cycle": page.cycle,
            "recipients": [user.pk for user in recipients],
            "notifications": created,
            "lateness_ms": lateness_ms,
        },
        occurred_at=now,
    )
    if not recipients:
        logger.error("escalation %s step %s found nobody to page", escalation.pk, page.step_index)
    created += _client_update(escalation, _client_update_text(escalation, page), now, page)
    transaction.on_commit(lambda: enqueue_sends(created))


def enqueue_sends(notification_ids: list[int]) -> None:
    from messaging import tasks

    for notification_id in notification_ids:
        try:
            tasks.notification_send.apply_async(
                args=[notification_id], retry=True, retry_policy=PUBLISH_RETRY
            )
        except Exception:  # noqa: BLE001 - the sweeper sends what is still pending
            logger.warning("could not enqueue notification %s; the sweeper will", notification_id)
            return


# --- keeping the client informed ---------------------------------------------------------


def _danger_line(escalation: Escalation) -> str:
    practice = escalation.practice
    return (
        f"If you are in danger, call {practice.emergency_number} now, or call "
        f"{practice.crisis_line_number} ({practice.crisis_line_name}) any time."
    )


def _client_update_text(escalation: Escalation, page: machine.Page) -> str:
    therapist = escalation.therapist.user if escalation.therapist else None
    if page.cycle == 0 and page.step_index == 0 and therapist is not None:
        first = f"We're reaching {therapist} now."
    elif page.action == machine.Action.NOTIFY_ON_CALL:
        first = "We're still trying: the on-call clinician is being contacted now."
    else:
        first = "We're still trying to reach a clinician for you."
    return f"{first} {_danger_line(escalation)}"


def _client_update(
    escalation: Escalation, text: str, now: datetime, page: machine.Page | None
) -> list[int]:
    """Tell the client what is happening, on the channel they used. Returns notifications."""
    message = escalation.message
    automatic_message_record(
        to=message,
        text=text,
        now=now,
        summary=f"Escalation update to the client on {message.get_channel_display()}",
        includes_crisis_help=True,
    )
    address = recipient_address(message)
    if message.channel not in ("sms", "email") or not address:
        return []  # the portal shows it; on the phone the operator already gave the numbers
    step = f"s{page.step_index}:c{page.cycle}" if page else "final"
    notification, created = Notification.objects.get_or_create(
        idempotency_key=f"esc{escalation.pk}:client:{step}",
        defaults={
            "escalation": escalation,
            "practice": escalation.practice,
            "recipient": message.client.user if message.client else None,
            "purpose": NotificationPurpose.CLIENT_UPDATE,
            "channel": message.channel,
            "address": address,
            "subject": f"Update from {escalation.practice.name}",
            "body": text,
            "step_index": page.step_index if page else None,
            "cycle": page.cycle if page else None,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    return [notification.pk] if created else []


def _exhausted(escalation: Escalation, now: datetime) -> None:
    contact_event_record(
        practice=escalation.practice,
        event_type=EventType.ESCALATION_EXHAUSTED,
        client=escalation.client,
        message=escalation.message,
        summary="Nobody acknowledged: incident for the practice admins",
        details={"escalation": escalation.pk},
        occurred_at=now,
    )
    logger.error("escalation %s exhausted without acknowledgement", escalation.pk)
    created = []
    admins = Membership.objects.select_related("user").filter(
        practice=escalation.practice, role=Role.ADMIN, is_active=True
    )
    from messaging.escalation.contact_methods import contact_methods_for

    for admin in admins:
        for method in contact_methods_for(admin.user):
            notification, was_created = Notification.objects.get_or_create(
                idempotency_key=f"esc{escalation.pk}:incident:u{admin.user_id}:{method.kind}:"
                f"{method.address}",
                defaults={
                    "escalation": escalation,
                    "practice": escalation.practice,
                    "recipient": admin.user,
                    "purpose": NotificationPurpose.INCIDENT,
                    "channel": method.kind,
                    "address": method.address,
                    "subject": "Incident: a crisis escalation was not acknowledged",
                    "body": "Nobody acknowledged a crisis escalation for "
                    f"{escalation.client.user if escalation.client else 'an unknown caller'}. "
                    "Open the escalation and make sure someone reaches them now.",
                    "ack_code": _ack_code(),
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            if was_created:
                created.append(notification.pk)
    created += _client_update(
        escalation,
        "We haven't been able to reach a clinician yet and we're still trying. "
        + _danger_line(escalation),
        now,
        None,
    )
    transaction.on_commit(lambda: enqueue_sends(created))


# --- acknowledging and closing ------------------------------------------------------------


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
        created = _client_update(
            escalation,
            f"{by} has your message and will contact you as soon as they can. "
            + _danger_line(escalation),
            now,
            None,
        )
        transaction.on_commit(lambda: enqueue_sends(created))
    return AckResult(escalation, True)


def ack_from_token(token: str) -> Notification:
    signer = signing.TimestampSigner(salt=ACK_SALT)
    pk = signer.unsign(token, max_age=ACK_LINK_MAX_AGE)
    return Notification.objects.select_related("escalation", "recipient").get(pk=pk)


def ack_from_sms(*, phone: str, body: str) -> AckResult | None:
    """ "ACK 1234" (or just the code) from a clinician's phone acknowledges their page."""
    import re

    found = re.fullmatch(r"\s*(?:ack|ok|yes)?\s*#?\s*(\d{4})\s*\.?\s*", body, flags=re.IGNORECASE)
    if not found:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    if len(digits) < 7:
        return None
    candidates = (
        Notification.objects.filter(
            ack_code=found.group(1),
            channel__in=["sms", "voice"],
            escalation__state__in=[EscalationState.ACTIVE, EscalationState.EXHAUSTED],
        )
        .select_related("recipient")
        .order_by("-created_at")
    )
    for notification in candidates:
        address = "".join(ch for ch in notification.address if ch.isdigit())[-10:]
        if address == digits and notification.recipient is not None:
            return escalation_acknowledge(
                escalation_id=notification.escalation_id, by=notification.recipient, via="sms"
            )
    return None


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


# --- health ---------------------------------------------------------------------------------


def heartbeat(name: str, details: dict | None = None) -> None:
    EngineHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "details": details or {}}
    )


@dataclass(frozen=True)
class EngineHealth:
    last_tick_at: datetime | None
    tick_age: timedelta | None
    overdue_escalations: int
    overdue_notifications: int

    @property
    def stalled(self) -> bool:
        return self.tick_age is None or self.tick_age > STALL_AFTER

    @property
    def healthy(self) -> bool:
        return not self.stalled and not self.overdue_escalations


STALL_AFTER = timedelta(seconds=15)
OVERDUE_AFTER = timedelta(seconds=30)


def engine_health(now: datetime | None = None) -> EngineHealth:
    now = now or timezone.now()
    beat = EngineHeartbeat.objects.filter(name=HEARTBEAT_TICK).first()
    return EngineHealth(
        last_tick_at=beat.beat_at if beat else None,
        tick_age=(now - beat.beat_at) if beat else None,
        overdue_escalations=Escalation.objects.filter(
            state=EscalationState.ACTIVE, next_action_at__lt=now - OVERDUE_AFTER
        ).count(),
        overdue_notifications=Notification.objects.filter(
            Q(status=NotificationStatus.PENDING) & Q(next_attempt_at__lt=now - OVERDUE_AFTER)
        ).count(),
    )


def engine_watchdog(now: datetime | None = None) -> EngineHealth:
    """Log an error (which monitoring picks up) when the engine stalls or falls behind."""
    health = engine_health(now)
    if health.stalled:
        logger.error(
            "escalation engine stalled: last tick %s",
            health.last_tick_at.isoformat() if health.last_tick_at else "never",
        )
    if health.overdue_escalations:
        logger.error("%s escalations are overdue by more than 30 s", health.overdue_escalations)
    if health.overdue_notifications:
        logger.error("%s notifications are overdue by more than 30 s", health.overdue_notifications)
    heartbeat("watchdog", {"healthy": health.healthy})
    return health
