"""The pure on-call rotation: handoffs, wraparound, overrides, swaps and clock changes.

No database: ``messaging.escalation.oncall`` is plain Python.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from messaging.escalation.oncall import (
    Override,
    Rotation,
    Shift,
    handoff_at,
    handoffs_between,
    on_call_at,
    rotation_shift_at,
    rotation_shifts_between,
    shifts_between,
    wall_time_to_utc,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
HOUR = timedelta(hours=1)
TINY = timedelta(microseconds=1)
MONDAY = 0
SUNDAY = 6
A, B, C = 11, 22, 33


def rotation(
    zone: str = "America/New_York",
    weekday: int = MONDAY,
    at: time = time(9),
    start: date = date(2026, 10, 5),  # a Monday
    members: tuple[int, ...] = (A, B, C),
) -> Rotation:
    return Rotation(zone, weekday, at, start, members)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- handoffs and wraparound ---------------------------------------------------------------


def test_first_handoff_is_on_rotation_start_at_the_handoff_time():
    r = rotation()
    assert handoff_at(r, 0) == ny(2026, 10, 5, 9)
    assert handoff_at(r, 0).tzinfo == UTC
    assert on_call_at(r, [], ny(2026, 10, 5, 9)) == A
    assert on_call_at(r, [], ny(2026, 10, 12, 8, 59)) == A
    assert on_call_at(r, [], ny(2026, 10, 12, 9)) == B


def test_before_the_first_handoff_nobody_is_on_call_from_the_rotation():
    r = rotation()
    assert on_call_at(r, [], ny(2026, 10, 5, 9) - TINY) is None
    assert on_call_at(r, [], ny(2025, 1, 1)) is None
    assert rotation_shift_at(r, ny(2026, 10, 5, 8)) is None


def test_overrides_apply_before_the_first_handoff():
    r = rotation()
    cover = Override(C, ny(2026, 10, 4), ny(2026, 10, 5, 12))
    assert on_call_at(r, [cover], ny(2026, 10, 4, 12)) == C
    assert on_call_at(r, [cover], ny(2026, 10, 5, 11)) == C
    assert on_call_at(r, [cover], ny(2026, 10, 5, 12)) == A


def test_start_on_another_weekday_hands_off_on_the_next_handoff_weekday():
    r = rotation(start=date(2026, 10, 7))  # a Wednesday
    assert handoff_at(r, 0) == ny(2026, 10, 12, 9)
    assert on_call_at(r, [], ny(2026, 10, 10)) is None
    assert on_call_at(r, [], ny(2026, 10, 12, 9)) == A


def test_rotation_wraps_around_to_the_first_member():
    r = rotation()
    week = timedelta(days=7)
    names = [on_call_at(r, [], ny(2026, 10, 5, 12) + n * week) for n in range(7)]
    assert names == [A, B, C, A, B, C, A]


def test_a_single_member_is_always_on_call_after_the_first_handoff():
    r = rotation(members=(A,))
    assert {on_call_at(r, [], ny(2026, 10, 5, 9) + n * 37 * HOUR) for n in range(50)} == {A}


def test_no_members_means_nobody_is_on_call():
    r = rotation(members=())
    assert on_call_at(r, [], ny(2026, 11, 1)) is None
    assert shifts_between(r, [], ny(2026, 10, 1), ny(2026, 11, 1)) == [
        Shift(None, ny(2026, 10, 1).astimezone(UTC), ny(2026, 11, 1).astimezone(UTC))
    ]


def test_handoffs_between_is_half_open():
    r = rotation()
    assert handoffs_between(r, ny(2026, 10, 5, 9), ny(2026, 10, 19, 9)) == [
        ny(2026, 10, 5, 9),
        ny(2026, 10, 12, 9),
    ]
    assert handoffs_between(r, ny(2026, 9, 1), ny(2026, 10, 5, 9)) == []


def test_rotation_shifts_between_gives_whole_shifts():
    r = rotation()
    shifts = rotation_shifts_between(r, ny(2026, 10, 14), ny(2026, 10, 20))
    assert shifts == [
        Shift(B, ny(2026, 10, 12, 9), ny(2026, 10, 19, 9)),
        Shift(C, ny(2026, 10, 19, 9), ny(2026, 10, 26, 9)),
    ]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        on_call_at(rotation(), [], datetime(2026, 10, 5, 9))
    with pytest.raises(ValueError, match="aware"):
        Override(A, datetime(2026, 10, 5), ny(2026, 10, 6))


def test_bad_rotations_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        rotation(zone="Mars/Olympus")
    with pytest.raises(ValueError, match="handoff_weekday"):
        rotation(weekday=7)
    with pytest.raises(ValueError, match="before it ends"):
        Override(A, ny(2026, 10, 6), ny(2026, 10, 6))


# --- overrides and swaps ---------------------------------------------------------------------


def test_an_override_wins_over_the_rotation():
    r = rotation()
    cover = Override(C, ny(2026, 10, 6, 18), ny(2026, 10, 7, 8))
    assert on_call_at(r, [cover], ny(2026, 10, 6, 17)) == A
    assert on_call_at(r, [cover], ny(2026, 10, 6, 18)) == C
    assert on_call_at(r, [cover], ny(2026, 10, 7, 8)) == A


def test_the_latest_created_override_wins_where_they_overlap():
    r = rotation()
    first = Override(B, ny(2026, 10, 6), ny(2026, 10, 9))
    second = Override(C, ny(2026, 10, 7), ny(2026, 10, 8))
    assert on_call_at(r, [first, second], ny(2026, 10, 7, 12)) == C
    assert on_call_at(r, [second, first], ny(2026, 10, 7, 12)) == B
    assert on_call_at(r, [first, second], ny(2026, 10, 8, 12)) == B


def test_an_override_can_span_a_handoff():
    r = rotation()
    cover = Override(C, ny(2026, 10, 11), ny(2026, 10, 13))
    shifts = shifts_between(r, [cover], ny(2026, 10, 10), ny(2026, 10, 14))
    assert [(s.member_id, s.is_override) for s in shifts] == [
        (A, False),
        (C, True),
        (B, False),
    ]
    assert shifts[1] == Shift(C, ny(2026, 10, 11), ny(2026, 10, 13), True)


def test_a_swap_is_two_overrides_over_whole_shifts():
    r = rotation()
    first = rotation_shift_at(r, ny(2026, 10, 12, 9))  # B's week
    second = rotation_shift_at(r, ny(2026, 10, 19, 9))  # C's week
    assert (first.member_id, second.member_id) == (B, C)
    swap = [
        Override(second.member_id, first.starts_at, first.ends_at),
        Override(first.member_id, second.starts_at, second.ends_at),
    ]
    assert on_call_at(r, swap, ny(2026, 10, 14)) == C
    assert on_call_at(r, swap, ny(2026, 10, 21)) == B
    assert on_call_at(r, swap, ny(2026, 10, 26, 9)) == A
    shifts = shifts_between(r, swap, ny(2026, 10, 12, 9), ny(2026, 10, 26, 9))
    assert shifts == [
        Shift(C, ny(2026, 10, 12, 9), ny(2026, 10, 19, 9), True),
        Shift(B, ny(2026, 10, 19, 9), ny(2026, 10, 26, 9), True),
    ]


def test_shifts_between_is_clipped_ordered_and_marks_overrides():
    r = rotation()
    cover = Override(C, ny(2026, 10, 6, 18), ny(2026, 10, 7, 8))
    shifts = shifts_between(r, [cover], ny(2026, 10, 4), ny(2026, 10, 13))
    assert shifts == [
        Shift(None, ny(2026, 10, 4), ny(2026, 10, 5, 9)),
        Shift(A, ny(2026, 10, 5, 9), ny(2026, 10, 6, 18)),
        Shift(C, ny(2026, 10, 6, 18), ny(2026, 10, 7, 8), True),
        Shift(A, ny(2026, 10, 7, 8), ny(2026, 10, 12, 9)),
        Shift(B, ny(2026, 10, 12, 9), ny(2026, 10, 13)),
    ]
    assert all(s.starts_at.tzinfo == UTC and s.ends_at.tzinfo == UTC for s in shifts)


def test_the_same_member_two_weeks_running_still_shows_the_handoff():
    r = rotation(members=(A,))
    shifts = shifts_between(r, [], ny(2026, 10, 6), ny(2026, 10, 20))
    assert [s.starts_at for s in shifts] == [
        ny(2026, 10, 6),
        ny(2026, 10, 12, 9),
        ny(2026, 10, 19, 9),
    ]


# --- clock changes ---------------------------------------------------------------------------


def test_new_york_fall_back_keeps_the_handoff_at_nine_and_the_shift_lasts_169_hours():
    r = rotation(start=date(2026, 10, 26))  # clocks go back on Sunday 1 November 2026
    before, after = handoff_at(r, 0), handoff_at(r, 1)
    assert before == utc(2026, 10, 26, 13)  # 09:00 EDT
    assert after == utc(2026, 11, 2, 14)  # 09:00 EST
    assert after.astimezone(NEW_YORK).time() == time(9)
    assert after - before == 169 * HOUR
    assert on_call_at(r, [], ny(2026, 11, 2, 8, 59)) == A
    assert on_call_at(r, [], ny(2026, 11, 2, 9)) == B
    assert handoff_at(r, 2) - after == 168 * HOUR


def test_new_york_spring_forward_shift_lasts_167_hours():
    r = rotation(start=date(2026, 3, 2))  # clocks go forward on Sunday 8 March 2026
    assert handoff_at(r, 1) - handoff_at(r, 0) == 167 * HOUR
    assert handoff_at(r, 1).astimezone(NEW_YORK).time() == time(9)


def test_london_fall_back_keeps_the_handoff_at_nine():
    r = rotation(zone="Europe/London", start=date(2026, 10, 19))  # clocks go back 25 October
    before, after = handoff_at(r, 0), handoff_at(r, 1)
    assert before == utc(2026, 10, 19, 8)  # 09:00 BST
    assert after == utc(2026, 10, 26, 9)  # 09:00 GMT
    assert after.astimezone(LONDON).time() == time(9)
    assert after - before == 169 * HOUR
    assert on_call_at(r, [], london(2026, 10, 26, 8, 59)) == A
    assert on_call_at(r, [], london(2026, 10, 26, 9)) == B


def test_a_handoff_inside_the_spring_gap_happens_just_after_it():
    r = rotation(weekday=SUNDAY, at=time(2, 30), start=date(2026, 3, 1))
    assert handoff_at(r, 1) == utc(2026, 3, 8, 7)  # 03:00 EDT, the end of the gap
    assert handoff_at(r, 1).astimezone(NEW_YORK).time() == time(3)
    assert handoff_at(r, 2).astimezone(NEW_YORK).time() == time(2, 30)


def test_a_handoff_in_the_repeated_hour_is_its_first_occurrence():
    r = rotation(weekday=SUNDAY, at=time(1, 30), start=date(2026, 10, 25))
    assert handoff_at(r, 1) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST
    assert wall_time_to_utc(datetime(2026, 11, 1, 1, 30), "America/New_York") == utc(
        2026, 11, 1, 5, 30
    )


def test_calendar_over_fall_back_covers_every_real_hour():
    r = rotation(start=date(2026, 10, 26))
    start, end = ny(2026, 10, 31), ny(2026, 11, 3)
    shifts = shifts_between(r, [], start, end)
    # Same-zone subtraction reads the wall clock; in UTC it counts the repeated hour.
    real = end.astimezone(UTC) - start.astimezone(UTC)
    assert sum((s.duration for s in shifts), timedelta(0)) == real == 73 * HOUR


# --- properties ---------------------------------------------------------------------------

ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/London",
        "America/Santiago",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "Pacific/Apia",
    ]
)
HANDOFF_TIMES = st.sampled_from([time(9), time(0), time(2, 30), time(1, 30), time(23, 59)])
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)


@st.composite
def rotations(draw, min_members: int = 1) -> Rotation:
    return Rotation(
        draw(ZONES),
        draw(st.integers(0, 6)),
        draw(HANDOFF_TIMES),
        draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))),
        tuple(draw(st.lists(st.integers(1, 6), min_size=min_members, max_size=5))),
    )


@st.composite
def override_lists(draw) -> list[Override]:
    overrides = []
    for _ in range(draw(st.integers(0, 4))):
        starts_at = draw(INSTANTS)
        length = draw(st.timedeltas(min_value=TINY, max_value=timedelta(days=20)))
        overrides.append(Override(draw(st.integers(100, 103)), starts_at, starts_at + length))
    return overrides


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(r=rotations(), overrides=override_lists(), at=INSTANTS)
def test_exactly_one_member_is_on_call_after_the_first_handoff(r, overrides, at):
    assume(at >= handoff_at(r, 0))
    member = on_call_at(r, overrides, at)
    covering = [o.member_id for o in overrides if o.starts_at <= at < o.ends_at]
    if covering:
        assert member == covering[-1]
    else:
        assert member in r.member_ids
        shift = rotation_shift_at(r, at)
        assert shift.starts_at <= at < shift.ends_at
        assert shift.member_id == member


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    r=rotations(min_members=0),
    overrides=override_lists(),
    start=INSTANTS,
    length=st.timedeltas(min_value=TINY, max_value=timedelta(days=60)),
    probes=st.lists(st.floats(0, 1, exclude_max=True), max_size=5),
)
def test_shifts_cover_the_range_without_gaps_or_overlaps(r, overrides, start, length, probes):
    end = start + length
    shifts = shifts_between(r, overrides, start, end)
    assert shifts[0].starts_at == start
    assert shifts[-1].ends_at == end
    for earlier, later in pairwise(shifts):
        assert earlier.ends_at == later.starts_at
    for shift in shifts:
        assert shift.starts_at < shift.ends_at
        assert shift.member_id == on_call_at(r, overrides, shift.starts_at)
        assert shift.member_id == on_call_at(r, overrides, shift.ends_at - TINY)
    # Every handoff in the range that no override hides starts a shift.
    starts = {shift.starts_at for shift in shifts}
    visible = {
        h
        for h in handoffs_between(r, start, end)
        if not any(o.starts_at <= h < o.ends_at for o in overrides)
    }
    if r.member_ids:
        assert visible <= starts
    for fraction in probes:
        at = min(start + length * fraction, end - TINY)  # the product rounds
        (containing,) = [s for s in shifts if s.starts_at <= at < s.ends_at]
        assert containing.member_id == on_call_at(r, overrides, at)


@settings(max_examples=200)
@given(r=rotations(), index=st.integers(0, 200))
def test_handoffs_stay_at_the_local_handoff_time_and_last_about_a_week(r, index):
    this, following = handoff_at(r, index), handoff_at(r, index + 1)
    assert timedelta(days=6) < following - this < timedelta(days=8)
    local = this.astimezone(r.zone)
    wanted = datetime.combine(local.date(), r.handoff_time)
    # Exactly the handoff time, unless that wall time fell into a gap (then just after it).
    assert local.replace(tzinfo=None) == wanted or local.replace(tzinfo=None) > wanted
    assert local.weekday() == r.handoff_weekday
