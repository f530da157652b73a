"""The escalation state machine, as pure rules: no ORM, no clock, no Celery.

An escalation runs the steps of its policy snapshot in order: each step pages someone and then
waits; an acknowledgement stops the chain; when the last step of the last round has waited
without one, the escalation is exhausted and becomes an incident for the practice.

    start ──► step 0 ──wait──► step 1 ──wait──► … ──wait──► (round 2: step 0 …) ──wait──► exhausted
                 └──────────── acknowledged at any point stops the chain ────────────┘

Timers are instants (``next_action_at``) stored with the escalation; the engine asks
``advance`` what to do whenever one is due. Each next timer counts from when the step was due,
not from when it ran, so a late tick never pushes the rest of the chain later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Action(StrEnum):
    NOTIFY_THERAPIST = "notify_therapist"
    NOTIFY_ON_CALL = "notify_on_call"
    NOTIFY_ADMINS = "notify_admins"
    NOTIFY_USER = "notify_user"


class State(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    EXHAUSTED = "exhausted"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class StepSpec:
    action: Action
    wait: timedelta
    target_membership_id: int | None = None

    def to_json(self) -> dict:
        return {
            "action": self.action.value,
            "wait_seconds": int(self.wait.total_seconds()),
            "target_membership_id": self.target_membership_id,
        }

    @classmethod
    def from_json(cls, data: dict) -> StepSpec:
        return cls(
            action=Action(data["action"]),
            wait=timedelta(seconds=data["wait_seconds"]),
            target_membership_id=data.get("target_membership_id"),
        )


@dataclass(frozen=True)
class PolicySnapshot:
    """The policy as it was when the escalation started."""

    name: str
    steps: tuple[StepSpec, ...]
    repeat_count: int
    on_call_schedule_id: int | None = None

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a policy needs at least one step")
        if self.repeat_count < 1:
            raise ValueError("a policy runs at least once")

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "steps": [step.to_json() for step in self.steps],
            "repeat_count": self.repeat_count,
            "on_call_schedule_id": self.on_call_schedule_id,
        }

    @classmethod
    def from_json(cls, data: dict) -> PolicySnapshot:
        return cls(
            name=data["name"],
            steps=tuple(StepSpec.from_json(step) for step in data["steps"]),
            repeat_count=data["repeat_count"],
            on_call_schedule_id=data.get("on_call_schedule_id"),
        )


#: Used when a practice's policy has no steps yet: therapist, on call, admins; twice.
DEFAULT_POLICY = PolicySnapshot(
    name="Therapist, then on-call clinician, then practice",
    steps=(
        StepSpec(Action.NOTIFY_THERAPIST, timedelta(minutes=5)),
        StepSpec(Action.NOTIFY_ON_CALL, timedelta(minutes=5)),
        StepSpec(Action.NOTIFY_ADMINS, timedelta(minutes=5)),
    ),
    repeat_count=2,
)


@dataclass(frozen=True)
class Progress:
    state: State
    step_index: int
    cycle: int
    next_action_at: datetime | None


@dataclass(frozen=True)
class Page:
    """Page whoever ``action`` names, as step ``step_index`` of round ``cycle``."""

    action: Action
    step_index: int
    cycle: int
    target_membership_id: int | None = None


@dataclass(frozen=True)
class Advance:
    progress: Progress
    page: Page | None = None
    exhausted: bool = False

    @property
    def changed(self) -> bool:
        return self.page is not None or self.exhausted


def start(now: datetime) -> Progress:
    """A new escalation is due at once: its first step pages immediately."""
    return Progress(State.ACTIVE, step_index=0, cycle=0, next_action_at=now)


def is_due(progress: Progress, now: datetime) -> bool:
    return (
        progress.state == State.ACTIVE
        and progress.next_action_at is not None
        and progress.next_action_at <= now
    )


def advance(policy: PolicySnapshot, progress: Progress, now: datetime) -> Advance:
    """What to do now: page the next step, or declare the escalation exhausted."""
    if not is_due(progress, now):
        return Advance(progress)
    step_index, cycle = progress.step_index, progress.cycle
    if step_index >= len(policy.steps):
        # The last step of a round has waited without an acknowledgement.
        if cycle + 1 >= policy.repeat_count:
            return Advance(
                replace(progress, state=State.EXHAUSTED, next_action_at=None), exhausted=True
            )
        step_index, cycle = 0, cycle + 1
    step = policy.steps[step_index]
    return Advance(
        Progress(
            State.ACTIVE,
            step_index=step_index + 1,
            cycle=cycle,
            next_action_at=progress.next_action_at + step.wait,
        ),
        page=Page(step.action, step_index, cycle, step.target_membership_id),
    )


def acknowledge(progress: Progress) -> tuple[Progress, bool]:
    """Stop the chain. Returns whether this acknowledgement was the one that stopped it.

    An exhausted escalation can still be picked up: whoever acknowledges owns the incident.
    """
    if progress.state not in (State.ACTIVE, State.EXHAUSTED):
        return progress, False
    return replace(progress, state=State.ACKNOWLEDGED, next_action_at=None), True


@dataclass(frozen=True)
class Contact:
    """One step of the chain as the client hears of it: whoever ``action`` names, paged as step
    ``step_index`` of round ``cycle`` at ``at``."""

    action: Action
    step_index: int
    cycle: int
    at: datetime
    target_membership_id: int | None = None


@dataclass(frozen=True)
class Promise:
    """What an escalation will do, read from its snapshot and progress (DESIGN.md, invariant 8).

    ``contacting``: the step paged last — or, before the first page, the one about to be.
    ``then``: the step ``advance`` pages next if nobody acknowledges, or None when the next
    thing it does is end the chain (at ``ends_at``, an incident for the practice admins).
    """

    state: State
    contacting: Contact | None = None
    then: Contact | None = None
    ends_at: datetime | None = None


def promise(policy: PolicySnapshot, progress: Progress) -> Promise:
    """Who is being contacted now and who next: exactly what ``advance`` will do."""
    if progress.state != State.ACTIVE or progress.next_action_at is None:
        return Promise(progress.state)
    due_at = progress.next_action_at
    if progress.step_index == 0:
        # Not paged yet: the first step pages as soon as the engine runs it.
        contacting = _contact(policy, 0, progress.cycle, due_at)
        after = due_at + policy.steps[0].wait
        then = _following(policy, 1, progress.cycle, after)
    else:
        paged = policy.steps[progress.step_index - 1]
        contacting = _contact(policy, progress.step_index - 1, progress.cycle, due_at - paged.wait)
        then = _following(policy, progress.step_index, progress.cycle, due_at)
    return Promise(progress.state, contacting, then, _ends_at(policy, contacting))


def _contact(policy: PolicySnapshot, step_index: int, cycle: int, at: datetime) -> Contact:
    step = policy.steps[step_index]
    return Contact(step.action, step_index, cycle, at, step.target_membership_id)


def _following(policy: PolicySnapshot, step_index: int, cycle: int, at: datetime) -> Contact | None:
    if step_index < len(policy.steps):
        return _contact(policy, step_index, cycle, at)
    if cycle + 1 < policy.repeat_count:
        return _contact(policy, 0, cycle + 1, at)
    return None


def _ends_at(policy: PolicySnapshot, contacting: Contact) -> datetime:
    """When the chain runs out unacknowledged: every wait still to come, from ``contacting``."""
    waits = [step.wait for step in policy.steps]
    remaining = sum(waits[contacting.step_index :], timedelta())
    remaining += sum(waits, timedelta()) * (policy.repeat_count - contacting.cycle - 1)
    return contacting.at + remaining


def describe(policy: PolicySnapshot) -> list[str]:
    """The chain in plain words, for the timeline and the policy preview."""
    words = {
        Action.NOTIFY_THERAPIST: "Notify the client's therapist",
        Action.NOTIFY_ON_CALL: "Notify whoever is on call",
        Action.NOTIFY_ADMINS: "Notify the practice admins",
        Action.NOTIFY_USER: "Notify the named backup",
    }
    lines = [
        f"{n}. {words[step.action]}, then wait {int(step.wait.total_seconds() // 60)} min"
        for n, step in enumerate(policy.steps, start=1)
    ]
    rounds = "once" if policy.repeat_count == 1 else f"{policy.repeat_count} times"
    lines.append(f"Run {rounds}; unacknowledged after that, it is an incident for the admins.")
    return lines
