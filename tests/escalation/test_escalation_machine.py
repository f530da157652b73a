"""The escalation state machine as pure rules."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.escalation import machine
from messaging.escalation.machine import Action, PolicySnapshot, State, StepSpec

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
POLICY = PolicySnapshot(
    name="test",
    steps=(
        StepSpec(Action.NOTIFY_THERAPIST, timedelta(minutes=5)),
        StepSpec(Action.NOTIFY_ON_CALL, timedelta(minutes=5)),
        StepSpec(Action.NOTIFY_ADMINS, timedelta(minutes=10)),
    ),
    repeat_count=2,
)


def run_until_exhausted(policy, progress, now):
    pages = []
    while progress.state == State.ACTIVE:
        now = max(now, progress.next_action_at)
        step = machine.advance(policy, progress, now)
        if step.page:
            pages.append((step.page, now))
        progress = step.progress
    return pages, progress


def test_the_chain_pages_in_order_then_repeats_then_is_exhausted():
    pages, progress = run_until_exhausted(POLICY, machine.start(T0), T0)
    assert [(p.action, p.cycle) for p, _ in pages] == [
        (Action.NOTIFY_THERAPIST, 0),
        (Action.NOTIFY_ON_CALL, 0),
        (Action.NOTIFY_ADMINS, 0),
        (Action.NOTIFY_THERAPIST, 1),
        (Action.NOTIFY_ON_CALL, 1),
        (Action.NOTIFY_ADMINS, 1),
    ]
    assert [at - T0 for _, at in pages] == [timedelta(minutes=m) for m in (0, 5, 10, 20, 25, 30)]
    assert progress.state == State.EXHAUSTED and progress.next_action_at is None


def test_nothing_happens_before_the_timer():
    progress = machine.advance(POLICY, machine.start(T0), T0).progress
    assert not machine.advance(POLICY, progress, T0 + timedelta(minutes=4)).changed


def test_a_late_tick_does_not_push_the_rest_of_the_chain_later():
    progress = machine.advance(POLICY, machine.start(T0), T0).progress
    late = machine.advance(POLICY, progress, T0 + timedelta(minutes=7))
    assert late.page.action == Action.NOTIFY_ON_CALL
    assert late.progress.next_action_at == T0 + timedelta(minutes=10)


def test_acknowledgement_stops_the_chain_and_only_once():
    progress = machine.advance(POLICY, machine.start(T0), T0).progress
    acked, won = machine.acknowledge(progress)
    assert won and acked.state == State.ACKNOWLEDGED and acked.next_action_at is None
    assert not machine.advance(POLICY, acked, T0 + timedelta(hours=1)).changed
    assert machine.acknowledge(acked) == (acked, False)


def test_an_exhausted_escalation_can_still_be_picked_up():
    _, exhausted = run_until_exhausted(POLICY, machine.start(T0), T0)
    acked, won = machine.acknowledge(exhausted)
    assert won and acked.state == State.ACKNOWLEDGED


def test_snapshot_round_trips_through_json():
    assert PolicySnapshot.from_json(POLICY.to_json()) == POLICY


def test_a_policy_needs_steps():
    with pytest.raises(ValueError):
        PolicySnapshot(name="empty", steps=(), repeat_count=1)


@given(
    waits=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    repeat=st.integers(1, 4),
    ack_after=st.none() | st.integers(0, 20),
)
def test_pages_are_counted_and_on_time(waits, repeat, ack_after):
    policy = PolicySnapshot(
        name="p",
        steps=tuple(StepSpec(Action.NOTIFY_ON_CALL, timedelta(minutes=w)) for w in waits),
        repeat_count=repeat,
    )
    progress, pages, now = machine.start(T0), [], T0
    while progress.state == State.ACTIVE:
        if ack_after is not None and len(pages) == ack_after:
            progress, won = machine.acknowledge(progress)
            assert won
            break
        now = progress.next_action_at
        step = machine.advance(policy, progress, now)
        if step.page:
            pages.append(now)
        progress = step.progress
    total = len(waits) * repeat
    assert len(pages) == (min(total, ack_after) if ack_after is not None else total)
    # Each page is due exactly at the sum of the waits before it.
    expected, at = [], T0
    for _ in range(repeat):
        for w in waits:
            expected.append(at)
            at += timedelta(minutes=w)
    assert pages == expected[: len(pages)]
