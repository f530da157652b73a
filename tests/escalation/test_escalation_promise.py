"""The promise (``machine.promise``) always says what the machine does next (invariant 8).

Driven through random policy snapshots, ticks early and late, and acknowledgements: whenever
the engine pages, it pages the step the promise named; when it ends the chain, the promise
said nothing was left and when that would be.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from messaging.escalation import machine
from messaging.escalation.machine import Action, PolicySnapshot, State, StepSpec

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

steps = st.builds(
    StepSpec,
    action=st.sampled_from(list(Action)),
    wait=st.integers(1, 240).map(lambda minutes: timedelta(minutes=minutes)),
    target_membership_id=st.none() | st.integers(1, 5),
)
policies = st.builds(
    PolicySnapshot,
    name=st.just("policy"),
    steps=st.lists(steps, min_size=1, max_size=4).map(tuple),
    repeat_count=st.integers(1, 3),
)
# Each event: a tick this many seconds after the current timer (negative: early), or an ack.
events = st.lists(st.integers(-600, 900) | st.just("ack"), max_size=30)


def _same_step(contact: machine.Contact, page: machine.Page) -> bool:
    return (contact.action, contact.step_index, contact.cycle, contact.target_membership_id) == (
        page.action,
        page.step_index,
        page.cycle,
        page.target_membership_id,
    )


@given(policy=policies, events=events)
def test_the_promise_matches_what_the_engine_does_next(policy, events):
    progress = machine.start(T0)
    first = machine.promise(policy, progress)
    assert first.contacting.step_index == 0 and first.contacting.at == T0
    ends_at = first.ends_at
    total = sum((s.wait for s in policy.steps), timedelta()) * policy.repeat_count
    assert ends_at == T0 + total, "the chain ends when every wait has passed"
    for event in events:
        promised = machine.promise(policy, progress)
        if event == "ack":
            progress, won = machine.acknowledge(progress)
            after = machine.promise(policy, progress)
            if won:
                assert after.state == State.ACKNOWLEDGED
                assert after.contacting is None and after.then is None
            continue
        if progress.next_action_at is None:
            assert promised.contacting is None and promised.then is None
            assert not machine.advance(policy, progress, T0 + timedelta(days=30)).changed
            continue
        now = progress.next_action_at + timedelta(seconds=event)
        step = machine.advance(policy, progress, now)
        if not step.changed:
            assert now < progress.next_action_at
            continue
        if progress.step_index == 0:
            # The first page is the one the first reply said was being contacted now.
            assert _same_step(promised.contacting, step.page)
        elif promised.then is None:
            assert step.exhausted
            assert progress.next_action_at == promised.ends_at == ends_at
        else:
            assert _same_step(promised.then, step.page)
            assert promised.then.at == progress.next_action_at
            assert machine.promise(policy, step.progress).contacting == promised.then
        # Late ticks never move the end of the chain, so the time the client was told holds.
        if step.progress.state == State.ACTIVE:
            assert machine.promise(policy, step.progress).ends_at == ends_at
        progress = step.progress


def test_a_new_escalation_promises_the_first_step_now_and_the_second_after_its_wait():
    policy = machine.DEFAULT_POLICY
    promised = machine.promise(policy, machine.start(T0))
    assert promised.contacting.action == Action.NOTIFY_THERAPIST
    assert promised.then.action == Action.NOTIFY_ON_CALL
    assert promised.then.at == T0 + timedelta(minutes=5)


def test_after_the_last_step_of_the_last_round_nothing_more_is_promised():
    policy = PolicySnapshot("one", (StepSpec(Action.NOTIFY_THERAPIST, timedelta(minutes=5)),), 1)
    paged = machine.advance(policy, machine.start(T0), T0).progress
    promised = machine.promise(policy, paged)
    assert promised.contacting.action == Action.NOTIFY_THERAPIST
    assert promised.then is None and promised.ends_at == T0 + timedelta(minutes=5)
