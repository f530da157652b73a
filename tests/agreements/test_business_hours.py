"""Tests for agreements.business_hours: office-hours arithmetic, DST, away cover, phrasing.

Pure Python: no database, no Django settings needed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agreements.business_hours import (
    DEFAULT_HORIZON,
    BusinessCalendar,
    Coverage,
    OfficeWindow,
    WeeklySchedule,
    describe_due,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")

HOUR = timedelta(hours=1)
TINY = timedelta(microseconds=1)
WEEKDAYS = range(5)  # Monday to Friday


def schedule(
    zone: str = "Europe/London",
    spans: tuple[tuple[time, time], ...] = ((time(9), time(17)),),
    days: range | tuple[int, ...] = WEEKDAYS,
) -> WeeklySchedule:
    """The same windows on each of ``days``."""
    return WeeklySchedule(
        zone, tuple(OfficeWindow(day, start, end) for day in days for start, end in spans)
    )


def calendar(
    zone: str = "Europe/London",
    spans: tuple[tuple[time, time], ...] = ((time(9), time(17)),),
    days: range | tuple[int, ...] = WEEKDAYS,
    coverages: tuple[Coverage, ...] = (),
) -> BusinessCalendar:
    return BusinessCalendar(schedule(zone, spans, days), coverages)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def new_york(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


LONDON_9_TO_5 = calendar("Europe/London")
NEW_YORK_9_TO_5 = calendar("America/New_York")
LUNCH_BREAK = calendar(spans=((time(9), time(12)), (time(13), time(17))))


# --- validation ------------------------------------------------------------------------


class TestValidation:
    def test_window_must_start_before_it_ends(self) -> None:
        with pytest.raises(ValueError, match="start before it ends"):
            OfficeWindow(0, time(17), time(9))
        with pytest.raises(ValueError, match="start before it ends"):
            OfficeWindow(0, time(9), time(9))

    def test_window_weekday_range(self) -> None:
        with pytest.raises(ValueError, match="weekday"):
            OfficeWindow(7, time(9), time(17))
        with pytest.raises(ValueError, match="weekday"):
            OfficeWindow(-1, time(9), time(17))

    def test_window_times_are_wall_clock_only(self) -> None:
        with pytest.raises(ValueError, match="wall-clock"):
            OfficeWindow(0, time(9, tzinfo=UTC), time(17))

    def test_midnight_end_means_end_of_day(self) -> None:
        window = OfficeWindow(0, time(18), time(0))
        assert window.end_microseconds == 24 * 3600 * 1_000_000
        whole_day = OfficeWindow(0, time(0), time(0))
        assert whole_day.start_microseconds == 0

    def test_unknown_time_zone(self) -> None:
        with pytest.raises(ValueError, match="unknown time zone"):
            WeeklySchedule("Mars/Olympus_Mons", ())

    def test_schedule_accepts_a_list_but_stays_hashable(self) -> None:
        made = WeeklySchedule("Europe/London", [OfficeWindow(0, time(9), time(17))])  # type: ignore[arg-type]
        assert isinstance(made.windows, tuple)
        assert hash(made) == hash(schedule(days=(0,)))
        assert made.zone == LONDON

    def test_coverage_needs_aware_ordered_bounds(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            Coverage(datetime(2026, 1, 5, 9), london(2026, 1, 6), None)
        with pytest.raises(ValueError, match="start before it ends"):
            Coverage(london(2026, 1, 6), london(2026, 1, 5), None)

    @pytest.mark.parametrize(
        "call",
        [
            lambda cal, naive: list(cal.open_intervals(naive, london(2026, 1, 9))),
            lambda cal, naive: list(cal.open_intervals(london(2026, 1, 1), naive)),
            lambda cal, naive: cal.is_open(naive),
            lambda cal, naive: cal.next_open(naive),
            lambda cal, naive: cal.add_business_hours(naive, HOUR),
            lambda cal, naive: cal.add_business_days(naive, 1),
            lambda cal, naive: describe_due(naive, london(2026, 1, 5), LONDON),
            lambda cal, naive: describe_due(london(2026, 1, 5), naive, LONDON),
        ],
    )
    def test_naive_datetimes_are_rejected(self, call) -> None:
        naive = datetime(2026, 1, 5, 10)
        with pytest.raises(ValueError, match="aware"):
            call(LONDON_9_TO_5, naive)

    def test_naive_rejected_eagerly_by_open_intervals(self) -> None:
        # The error surfaces at the call, not when the generator is first consumed.
        with pytest.raises(ValueError):
            LONDON_9_TO_5.open_intervals(datetime(2026, 1, 5), london(2026, 1, 6))

    def test_negative_amounts_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="duration"):
            LONDON_9_TO_5.add_business_hours(london(2026, 1, 5, 10), -HOUR)
        with pytest.raises(ValueError, match="days"):
            LONDON_9_TO_5.add_business_days(london(2026, 1, 5, 10), -1)
        with pytest.raises(ValueError, match="horizon"):
            LONDON_9_TO_5.next_open(london(2026, 1, 5, 10), -HOUR)


# --- schedules and intervals -----------------------------------------------------------


class TestWeeklySchedule:
    def test_overlapping_and_touching_windows_merge(self) -> None:
        made = WeeklySchedule(
            "Europe/London",
            (
                OfficeWindow(0, time(16), time(17)),
                OfficeWindow(0, time(9), time(12)),
                OfficeWindow(0, time(11), time(14)),
                OfficeWindow(0, time(14), time(15)),
                OfficeWindow(1, time(10), time(11)),
            ),
        )
        assert made.merged_windows(0) == (
            OfficeWindow(0, time(9), time(15)),
            OfficeWindow(0, time(16), time(17)),
        )
        assert made.merged_windows(1) == (OfficeWindow(1, time(10), time(11)),)
        assert made.merged_windows(2) == ()

    def test_merged_overlap_counts_once(self) -> None:
        doubled = BusinessCalendar(
            WeeklySchedule(
                "Europe/London",
                (OfficeWindow(0, time(9), time(13)), OfficeWindow(0, time(12), time(17))),
            )
        )
        assert doubled.open_time_between(london(2026, 1, 5), london(2026, 1, 6)) == 8 * HOUR

    def test_empty_schedule(self) -> None:
        assert WeeklySchedule("UTC").is_empty
        assert not LONDON_9_TO_5.schedule.is_empty


class TestOpenIntervals:
    def test_a_working_week_in_utc(self) -> None:
        intervals = list(LONDON_9_TO_5.open_intervals(london(2026, 1, 3), london(2026, 1, 10)))
        assert intervals == [
            (utc(2026, 1, day, 9), utc(2026, 1, day, 17)) for day in range(5, 10)
        ]  # London is on GMT in January
        assert all(opens.tzinfo is UTC and closes.tzinfo is UTC for opens, closes in intervals)

    def test_clipped_to_the_query(self) -> None:
        intervals = list(
            LONDON_9_TO_5.open_intervals(london(2026, 1, 5, 12), london(2026, 1, 6, 10, 30))
        )
        assert intervals == [
            (utc(2026, 1, 5, 12), utc(2026, 1, 5, 17)),
            (utc(2026, 1, 6, 9), utc(2026, 1, 6, 10, 30)),
        ]

    def test_empty_or_backwards_query(self) -> None:
        at = london(2026, 1, 5, 12)
        assert list(LONDON_9_TO_5.open_intervals(at, at)) == []
        assert list(LONDON_9_TO_5.open_intervals(at, at - HOUR)) == []

    def test_lunch_break_splits_the_day(self) -> None:
        intervals = list(LUNCH_BREAK.open_intervals(london(2026, 1, 5), london(2026, 1, 6)))
        assert intervals == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 12)),
            (utc(2026, 1, 5, 13), utc(2026, 1, 5, 17)),
        ]

    def test_round_the_clock_days_join_up(self) -> None:
        always = calendar("UTC", spans=((time(0), time(0)),), days=range(7))
        intervals = list(always.open_intervals(utc(2026, 1, 1, 5), utc(2026, 1, 9, 7)))
        assert intervals == [(utc(2026, 1, 1, 5), utc(2026, 1, 9, 7))]

    def test_evening_window_to_midnight(self) -> None:
        evenings = calendar(spans=((time(18), time(0)),), days=(0,))
        assert list(evenings.open_intervals(london(2026, 1, 5), london(2026, 1, 7))) == [
            (utc(2026, 1, 5, 18), utc(2026, 1, 6, 0))
        ]


class TestIsOpenAndNextOpen:
    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (london(2026, 1, 5, 8, 59, 59), False),
            (london(2026, 1, 5, 9), True),
            (london(2026, 1, 5, 16, 59, 59, 999999), True),
            (london(2026, 1, 5, 17), False),
            (london(2026, 1, 10, 12), False),  # Saturday
            (utc(2026, 7, 6, 8, 30), True),  # 09:30 BST
        ],
    )
    def test_is_open(self, at: datetime, expected: bool) -> None:
        assert LONDON_9_TO_5.is_open(at) is expected

    def test_lunch_break_is_closed(self) -> None:
        assert LUNCH_BREAK.is_open(london(2026, 1, 5, 11, 59))
        assert not LUNCH_BREAK.is_open(london(2026, 1, 5, 12, 30))
        assert LUNCH_BREAK.is_open(london(2026, 1, 5, 13))

    def test_next_open_is_now_when_open(self) -> None:
        at = london(2026, 1, 5, 10, 15)
        assert LONDON_9_TO_5.next_open(at) == at

    @pytest.mark.parametrize(
        ("at", "expected"),
        [
            (london(2026, 1, 5, 7), london(2026, 1, 5, 9)),
            (london(2026, 1, 5, 17), london(2026, 1, 6, 9)),
            (london(2026, 1, 9, 18), london(2026, 1, 12, 9)),  # Friday evening
            (london(2026, 1, 10, 11), london(2026, 1, 12, 9)),  # Saturday
        ],
    )
    def test_next_open_when_closed(self, at: datetime, expected: datetime) -> None:
        assert LONDON_9_TO_5.next_open(at) == expected

    def test_horizon_limits_the_search(self) -> None:
        saturday = london(2026, 1, 10, 11)
        assert LONDON_9_TO_5.next_open(saturday, horizon=timedelta(days=1)) is None
        # The horizon is inclusive: Monday 09:00 is exactly 46 hours away.
        assert LONDON_9_TO_5.next_open(saturday, horizon=46 * HOUR) == london(2026, 1, 12, 9)
        assert LONDON_9_TO_5.next_open(london(2026, 1, 5, 10), horizon=timedelta(0)) == london(
            2026, 1, 5, 10
        )

    def test_results_are_utc(self) -> None:
        assert LONDON_9_TO_5.next_open(new_york(2026, 1, 5, 3)).tzinfo is UTC  # type: ignore[union-attr]


# --- business hours ----------------------------------------------------------------------


class TestAddBusinessHours:
    @pytest.mark.parametrize(
        ("start", "hours", "expected"),
        [
            (london(2026, 1, 5, 10), 4, london(2026, 1, 5, 14)),
            (london(2026, 1, 5, 16), 1, london(2026, 1, 5, 17)),  # due at closing, not next day
            (london(2026, 1, 9, 16), 4, london(2026, 1, 12, 12)),  # Friday to Monday
            (london(2026, 1, 5, 20), 2, london(2026, 1, 6, 11)),  # after hours
            (london(2026, 1, 5, 6), 2, london(2026, 1, 5, 11)),  # before hours
            (london(2026, 1, 10, 11), 2, london(2026, 1, 12, 11)),  # Saturday
            (london(2026, 1, 11, 23), 8, london(2026, 1, 12, 17)),  # Sunday night: a full day
            (london(2026, 1, 5, 9), 40, london(2026, 1, 9, 17)),  # the whole week
            (london(2026, 1, 5, 9), 41, london(2026, 1, 12, 10)),
        ],
    )
    def test_plain_weeks(self, start: datetime, hours: int, expected: datetime) -> None:
        assert LONDON_9_TO_5.add_business_hours(start, hours * HOUR) == expected

    def test_lunch_break_does_not_count(self) -> None:
        assert LUNCH_BREAK.add_business_hours(london(2026, 1, 5, 11), 2 * HOUR) == london(
            2026, 1, 5, 14
        )
        assert LUNCH_BREAK.add_business_hours(london(2026, 1, 5, 12, 15), HOUR) == london(
            2026, 1, 5, 14
        )
        # Running out exactly at lunch means due by 12:00, not 13:00.
        assert LUNCH_BREAK.add_business_hours(london(2026, 1, 5, 11), HOUR) == london(
            2026, 1, 5, 12
        )

    def test_zero_duration_is_next_open(self) -> None:
        assert LONDON_9_TO_5.add_business_hours(london(2026, 1, 5, 10), timedelta(0)) == london(
            2026, 1, 5, 10
        )
        assert LONDON_9_TO_5.add_business_hours(london(2026, 1, 9, 17), timedelta(0)) == london(
            2026, 1, 12, 9
        )

    def test_sub_second_precision(self) -> None:
        start = london(2026, 1, 5, 16, 59, 59, 500_000)
        assert LONDON_9_TO_5.add_business_hours(start, timedelta(seconds=1)) == london(
            2026, 1, 6, 9, 0, 0, 500_000
        )

    def test_start_given_in_another_zone(self) -> None:
        # 05:00 in New York is 10:00 in London (January): the London calendar still rules.
        assert LONDON_9_TO_5.add_business_hours(new_york(2026, 1, 5, 5), 2 * HOUR) == london(
            2026, 1, 5, 12
        )

    def test_empty_schedule_returns_none_without_hanging(self) -> None:
        empty = BusinessCalendar(WeeklySchedule("Europe/London", ()))
        start = london(2026, 1, 5, 10)
        assert empty.add_business_hours(start, HOUR) is None
        assert empty.add_business_hours(start, timedelta(0)) is None
        assert empty.next_open(start) is None
        assert empty.add_business_days(start, 0) is None
        assert not empty.is_open(start)
        assert list(empty.open_intervals(start, start + DEFAULT_HORIZON)) == []

    def test_unreachable_within_horizon(self) -> None:
        start = london(2026, 1, 5, 9)
        assert LONDON_9_TO_5.add_business_hours(start, 48 * HOUR, timedelta(days=7)) is None
        # Exactly reachable at the horizon's end still counts.
        assert LONDON_9_TO_5.add_business_hours(start, 40 * HOUR, 4 * 24 * HOUR + 8 * HOUR) == (
            london(2026, 1, 9, 17)
        )

    def test_iterates_per_day_not_per_minute(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Five months away with nobody covering, then eight office hours.
        away = Coverage(london(2026, 1, 1), london(2026, 6, 1), None)
        cal = calendar(coverages=(away,))
        calls = 0
        original = WeeklySchedule.day_intervals

        def counting(self: WeeklySchedule, day: date) -> list[tuple[datetime, datetime]]:
            nonlocal calls
            calls += 1
            return original(self, day)

        monkeypatch.setattr(WeeklySchedule, "day_intervals", counting)
        assert cal.add_business_hours(london(2026, 1, 1, 9), 8 * HOUR) == london(2026, 6, 1, 17)
        assert calls < 10  # the closed period is skipped outright

        calls = 0
        sparse = BusinessCalendar(
            WeeklySchedule("Europe/London", (OfficeWindow(0, time(9), time(9, 15)),))
        )
        assert sparse.add_business_hours(london(2026, 1, 5, 9), 100 * HOUR) is None
        assert calls < 400  # about one call per local day of the 366-day horizon


class TestDaylightSaving:
    """2026 transitions: US Mar 8 / Nov 1, EU Mar 29 / Oct 25 (all Sundays)."""

    @pytest.mark.parametrize(
        ("cal", "zone", "friday", "monday"),
        [
            (LONDON_9_TO_5, LONDON, date(2026, 3, 27), date(2026, 3, 30)),  # GMT -> BST
            (LONDON_9_TO_5, LONDON, date(2026, 10, 23), date(2026, 10, 26)),  # BST -> GMT
            (NEW_YORK_9_TO_5, NEW_YORK, date(2026, 3, 6), date(2026, 3, 9)),  # EST -> EDT
            (NEW_YORK_9_TO_5, NEW_YORK, date(2026, 10, 30), date(2026, 11, 2)),  # EDT -> EST
        ],
    )
    def test_friday_afternoon_across_a_transition(
        self, cal: BusinessCalendar, zone: ZoneInfo, friday: date, monday: date
    ) -> None:
        start = datetime.combine(friday, time(16), tzinfo=zone)
        due = cal.add_business_hours(start, 4 * HOUR)
        assert due is not None
        local = due.astimezone(zone)
        assert (local.date(), local.time()) == (monday, time(12))
        assert local.utcoffset() != start.utcoffset()
        # Real elapsed time across the weekend is 68 h give or take the hour the clocks moved.
        assert abs(due - start - 68 * HOUR) == HOUR

    def test_wall_clock_hours_hold_on_both_sides(self) -> None:
        before = list(LONDON_9_TO_5.open_intervals(london(2026, 3, 27), london(2026, 3, 28)))
        after = list(LONDON_9_TO_5.open_intervals(london(2026, 3, 30), london(2026, 3, 31)))
        assert before == [(utc(2026, 3, 27, 9), utc(2026, 3, 27, 17))]
        assert after == [(utc(2026, 3, 30, 8), utc(2026, 3, 30, 16))]

    def test_offset_gap_between_us_and_eu_transitions(self) -> None:
        # 16 March 2026: New York is on EDT, London still on GMT, so 4 hours apart, not 5.
        assert NEW_YORK_9_TO_5.next_open(london(2026, 3, 16, 9)) == london(2026, 3, 16, 13)

    @pytest.mark.parametrize(
        ("night", "hours"),
        [
            (date(2026, 3, 1), 3),  # an ordinary Sunday
            (date(2026, 3, 8), 2),  # spring forward: 02:00 never happens
            (date(2026, 11, 1), 4),  # fall back: 01:00-02:00 happens twice
        ],
    )
    def test_window_containing_the_transition_lasts_real_time(
        self, night: date, hours: int
    ) -> None:
        overnight = calendar("America/New_York", spans=((time(1), time(4)),), days=(6,))
        midnight = datetime.combine(night, time(0), tzinfo=NEW_YORK)
        assert overnight.open_time_between(midnight, midnight + timedelta(days=1)) == hours * HOUR
        due = overnight.add_business_hours(
            datetime.combine(night, time(1), tzinfo=NEW_YORK), hours * HOUR
        )
        assert due == datetime.combine(night, time(4), tzinfo=NEW_YORK)

    def test_spring_forward_window_counts_two_hours(self) -> None:
        overnight = calendar("America/New_York", spans=((time(1), time(4)),), days=(6,))
        start = new_york(2026, 3, 8, 1)
        assert overnight.add_business_hours(start, HOUR) == new_york(2026, 3, 8, 3)
        assert overnight.add_business_hours(start, 2 * HOUR) == new_york(2026, 3, 8, 4)
        # The third hour is found the following Sunday.
        assert overnight.add_business_hours(start, 3 * HOUR) == new_york(2026, 3, 15, 2)

    def test_nonexistent_wall_time_means_the_instant_after_the_gap(self) -> None:
        late = calendar("America/New_York", spans=((time(2, 30), time(5)),), days=(6,))
        intervals = list(late.open_intervals(new_york(2026, 3, 8), new_york(2026, 3, 9)))
        # 02:30 does not exist on 8 March; the window opens when the clocks reach 03:00 EDT.
        assert intervals == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 9))]
        assert intervals[0][0].astimezone(NEW_YORK).time() == time(3)
        assert not late.is_open(utc(2026, 3, 8, 6, 59))

    def test_window_entirely_in_the_gap_never_opens(self) -> None:
        lost = calendar("America/New_York", spans=((time(2), time(2, 45)),), days=(6,))
        assert list(lost.open_intervals(new_york(2026, 3, 8), new_york(2026, 3, 9))) == []
        assert lost.next_open(new_york(2026, 3, 8)) == new_york(2026, 3, 15, 2)

    def test_ambiguous_wall_time_means_the_first_occurrence(self) -> None:
        early = calendar("America/New_York", spans=((time(0), time(1, 30)),), days=(6,))
        late = calendar("America/New_York", spans=((time(1, 30), time(3)),), days=(6,))
        first_0130 = utc(2026, 11, 1, 5, 30)  # 01:30 EDT
        second_0115 = utc(2026, 11, 1, 6, 15)  # 01:15 EST, the repeat
        # (Python never calls an ambiguous local time equal to a UTC one, so convert first.)
        assert new_york(2026, 11, 1, 1, 30).astimezone(UTC) == first_0130
        assert list(early.open_intervals(new_york(2026, 11, 1), new_york(2026, 11, 2))) == [
            (utc(2026, 11, 1, 4), first_0130)
        ]
        assert not early.is_open(second_0115)
        assert list(late.open_intervals(new_york(2026, 11, 1), new_york(2026, 11, 2))) == [
            (first_0130, utc(2026, 11, 1, 8))
        ]
        assert late.is_open(second_0115)

    def test_gap_at_midnight(self) -> None:
        # Santiago moves 00:00 -> 01:00 on Sunday 6 September 2026.
        night = calendar("America/Santiago", spans=((time(0), time(2)),), days=(6,))
        start = datetime(2026, 9, 6, 0, 0, tzinfo=SANTIAGO)
        intervals = list(night.open_intervals(start - HOUR, start + timedelta(days=1)))
        assert intervals == [(utc(2026, 9, 6, 4), utc(2026, 9, 6, 5))]
        assert intervals[0][0].astimezone(SANTIAGO).time() == time(1)

    def test_london_transition_night_window(self) -> None:
        # EU clocks change at 01:00 UTC: 01:00 GMT -> 02:00 BST in March.
        overnight = calendar("Europe/London", spans=((time(0), time(3)),), days=(6,))
        sunday = london(2026, 3, 29)
        assert overnight.open_time_between(sunday, sunday + timedelta(days=1)) == 2 * HOUR
        autumn = london(2026, 10, 25)
        assert overnight.open_time_between(autumn, autumn + timedelta(days=1)) == 4 * HOUR


# --- coverage --------------------------------------------------------------------------


class TestCoverage:
    def test_cover_with_different_hours(self) -> None:
        cover = schedule(spans=((time(12), time(14)),))
        away = Coverage(london(2026, 1, 6), london(2026, 1, 8), cover)  # Tuesday, Wednesday
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (away,))
        # Monday 16-17 (1 h), Tuesday 12-14 (2 h), Wednesday 12-13 (1 h).
        assert cal.add_business_hours(london(2026, 1, 5, 16), 4 * HOUR) == london(2026, 1, 7, 13)
        assert not cal.is_open(london(2026, 1, 6, 10))
        assert cal.is_open(london(2026, 1, 6, 13))
        assert cal.is_open(london(2026, 1, 8, 10))  # back on Thursday

    def test_away_without_cover_is_closed(self) -> None:
        away = Coverage(london(2026, 1, 12), london(2026, 1, 13), None)  # Monday off
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (away,))
        assert cal.add_business_hours(london(2026, 1, 9, 16), 4 * HOUR) == london(2026, 1, 13, 12)
        assert cal.next_open(london(2026, 1, 10)) == london(2026, 1, 13, 9)

    def test_away_from_midday(self) -> None:
        away = Coverage(london(2026, 1, 5, 12), london(2026, 1, 6, 0), None)
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (away,))
        assert cal.is_open(london(2026, 1, 5, 11, 59))
        assert not cal.is_open(london(2026, 1, 5, 12))
        assert list(cal.open_intervals(london(2026, 1, 5), london(2026, 1, 6))) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 12))
        ]
        assert cal.add_business_hours(london(2026, 1, 5, 11), 2 * HOUR) == london(2026, 1, 6, 10)

    def test_cover_in_another_time_zone(self) -> None:
        away = Coverage(london(2026, 3, 16), london(2026, 3, 21), NEW_YORK_9_TO_5.schedule)
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (away,))
        # Between the US and EU changes New York (EDT) is 4 hours behind London (GMT):
        # the cover opens at 13:00 London time and closes at 21:00.
        assert cal.next_open(london(2026, 3, 16, 9)) == london(2026, 3, 16, 13)
        assert cal.add_business_hours(london(2026, 3, 16, 9), 10 * HOUR) == london(2026, 3, 17, 15)
        assert cal.is_open(london(2026, 3, 20, 20, 30))  # Friday 16:30 in New York
        # Coverage ends Saturday 00:00 London; the practice reopens Monday London time.
        assert cal.next_open(london(2026, 3, 20, 21)) == london(2026, 3, 23, 9)

    def test_handover_to_cover_is_one_interval(self) -> None:
        evening_cover = schedule("America/New_York", spans=((time(12), time(17)),))
        away = Coverage(london(2026, 1, 5, 17), london(2026, 1, 6, 0), evening_cover)
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (away,))
        # London 09-17, then the New York cover until 17:00 EST = 22:00 London.
        assert list(cal.open_intervals(london(2026, 1, 5), london(2026, 1, 6))) == [
            (utc(2026, 1, 5, 9), utc(2026, 1, 5, 22))
        ]

    def test_later_coverage_wins_where_they_overlap(self) -> None:
        nobody = Coverage(london(2026, 1, 5), london(2026, 1, 10), None)
        tuesday_cover = Coverage(london(2026, 1, 6), london(2026, 1, 7), LONDON_9_TO_5.schedule)
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (nobody, tuesday_cover))
        assert list(cal.open_intervals(london(2026, 1, 5), london(2026, 1, 10))) == [
            (utc(2026, 1, 6, 9), utc(2026, 1, 6, 17))
        ]

    def test_coverage_accepts_list(self) -> None:
        away = Coverage(london(2026, 1, 5), london(2026, 1, 6), None)
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, [away])  # type: ignore[arg-type]
        assert cal.coverages == (away,)
        assert hash(cal) == hash(BusinessCalendar(LONDON_9_TO_5.schedule, (away,)))


# --- business days -----------------------------------------------------------------------


class TestAddBusinessDays:
    @pytest.mark.parametrize(
        ("start", "days", "expected"),
        [
            (london(2026, 1, 5, 10), 2, london(2026, 1, 7, 17)),  # Monday morning -> Wednesday
            (london(2026, 1, 5, 20), 2, london(2026, 1, 8, 17)),  # Monday evening -> Thursday
            (london(2026, 1, 5, 17), 2, london(2026, 1, 8, 17)),  # at closing counts as after
            (london(2026, 1, 5, 7), 2, london(2026, 1, 7, 17)),  # before opening -> same day
            (london(2026, 1, 10, 11), 2, london(2026, 1, 14, 17)),  # Saturday -> Wednesday
            (london(2026, 1, 9, 10), 1, london(2026, 1, 12, 17)),  # Friday -> Monday
            (london(2026, 1, 5, 10), 0, london(2026, 1, 5, 17)),  # same day's close
            (london(2026, 1, 5, 16, 59), 0, london(2026, 1, 5, 17)),
            (london(2026, 1, 5, 10), 5, london(2026, 1, 12, 17)),
        ],
    )
    def test_examples(self, start: datetime, days: int, expected: datetime) -> None:
        assert LONDON_9_TO_5.add_business_days(start, days) == expected

    def test_lunch_break_closes_at_the_last_window(self) -> None:
        assert LUNCH_BREAK.add_business_days(london(2026, 1, 5, 12, 30), 0) == london(
            2026, 1, 5, 17
        )
        assert LUNCH_BREAK.add_business_days(london(2026, 1, 5, 10), 1) == london(2026, 1, 6, 17)

    def test_day_off_is_skipped(self) -> None:
        holiday = Coverage(london(2026, 1, 6), london(2026, 1, 7), None)  # Tuesday off
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (holiday,))
        assert cal.add_business_days(london(2026, 1, 5, 10), 2) == london(2026, 1, 8, 17)

    def test_across_daylight_saving(self) -> None:
        due = LONDON_9_TO_5.add_business_days(london(2026, 3, 27, 10), 1)
        assert due == london(2026, 3, 30, 17)
        assert due == utc(2026, 3, 30, 16)

    def test_business_days_under_cover_are_dated_in_the_covers_zone(self) -> None:
        away = Coverage(london(2026, 1, 5), london(2026, 1, 10), NEW_YORK_9_TO_5.schedule)
        cal = BusinessCalendar(LONDON_9_TO_5.schedule, (away,))
        # Monday 10:00 London is 05:00 in New York, before the cover opens: D0 is Monday.
        assert cal.add_business_days(london(2026, 1, 5, 10), 1) == new_york(2026, 1, 6, 17)
        # Monday 23:00 London is 18:00 in New York, after the cover has closed: D0 is Tuesday.
        assert cal.add_business_days(london(2026, 1, 5, 23), 1) == new_york(2026, 1, 7, 17)

    def test_horizon(self) -> None:
        start = london(2026, 1, 5, 10)
        assert LONDON_9_TO_5.add_business_days(start, 10, timedelta(days=7)) is None
        assert LONDON_9_TO_5.add_business_days(start, 4, timedelta(days=7)) == london(
            2026, 1, 9, 17
        )


# --- describe_due ------------------------------------------------------------------------


class TestDescribeDue:
    NOW = london(2026, 5, 5, 9, 30)  # Tuesday 5 May 2026

    @pytest.mark.parametrize(
        ("due", "phrase"),
        [
            (london(2026, 5, 5, 16), "today by 16:00"),
            (london(2026, 5, 6, 10), "tomorrow by 10:00"),
            (london(2026, 5, 7, 10), "Thursday by 10:00"),
            (london(2026, 5, 11, 9, 5), "Monday by 09:05"),  # six days away
            (london(2026, 5, 12, 17), "Tuesday 12 May by 17:00"),  # a week away
            (london(2026, 5, 14, 10), "Thursday 14 May by 10:00"),
            (london(2027, 1, 4, 9), "Monday 4 January 2027 by 09:00"),
        ],
    )
    def test_phrases(self, due: datetime, phrase: str) -> None:
        assert describe_due(due, self.NOW, LONDON) == phrase

    def test_local_time_not_utc(self) -> None:
        # 15:00 UTC is 16:00 BST in May.
        assert describe_due(utc(2026, 5, 5, 15), self.NOW, "Europe/London") == "today by 16:00"
        # Late evening in New York is already tomorrow in UTC, but still today locally.
        assert describe_due(utc(2026, 5, 6, 2), new_york(2026, 5, 5, 9), NEW_YORK) == (
            "today by 22:00"
        )

    def test_tomorrow_is_by_local_date(self) -> None:
        late = london(2026, 5, 5, 23, 30)
        assert describe_due(london(2026, 5, 6, 0, 30), late, LONDON) == "tomorrow by 00:30"

    def test_seconds_round_up(self) -> None:
        due = london(2026, 5, 5, 14, 13, 27)
        assert describe_due(due, self.NOW, LONDON) == "today by 14:14"
        assert describe_due(london(2026, 5, 5, 23, 59, 1), self.NOW, LONDON) == (
            "tomorrow by 00:00"
        )

    def test_with_calendar_result(self) -> None:
        now = london(2026, 5, 8, 16)  # Friday afternoon
        due = LONDON_9_TO_5.add_business_hours(now, 4 * HOUR)
        assert due is not None
        assert describe_due(due, now, LONDON) == "Monday by 12:00"


# --- properties --------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "America/Santiago",  # clocks change at midnight
    "Australia/Lord_Howe",  # half-hour DST shift
    "Asia/Kolkata",  # half-hour offset, no DST
]

TRANSITIONS = [
    utc(2026, 3, 8, 7),
    utc(2026, 3, 29, 1),
    utc(2026, 10, 25, 1),
    utc(2026, 11, 1, 6),
    utc(2026, 4, 5, 3),  # Santiago back
    utc(2026, 9, 6, 4),  # Santiago forward
    utc(2026, 4, 4, 15),  # Lord Howe back
    utc(2026, 10, 3, 15, 30),  # Lord Howe forward
]


@st.composite
def office_windows(draw: st.DrawFn) -> OfficeWindow:
    # Quarter-hour grid so overlaps, touching windows and DST hours come up often.
    start = draw(st.integers(0, 95))
    end = draw(st.integers(start + 1, 96))
    return OfficeWindow(
        draw(st.integers(0, 6)),
        time(start // 4, start % 4 * 15),
        time(end % 96 // 4, end % 4 * 15),
    )


schedules = st.builds(
    WeeklySchedule,
    st.sampled_from(ZONES),
    st.lists(office_windows(), min_size=0, max_size=8).map(tuple),
)
busy_schedules = st.builds(
    WeeklySchedule,
    st.sampled_from(ZONES),
    st.lists(office_windows(), min_size=1, max_size=8).map(tuple),
)

instants = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 12, 1),
        max_value=datetime(2027, 1, 31),
        timezones=st.just(UTC),
    ),
    st.builds(
        lambda at, shift: at + shift,
        st.sampled_from(TRANSITIONS),
        st.timedeltas(min_value=-timedelta(days=4), max_value=timedelta(days=4)),
    ),
)


@st.composite
def coverages(draw: st.DrawFn) -> Coverage:
    start = draw(instants)
    length = draw(st.timedeltas(min_value=HOUR, max_value=timedelta(days=20)))
    cover = draw(st.none() | busy_schedules)
    return Coverage(start, start + length, cover)


calendars = st.builds(
    BusinessCalendar,
    busy_schedules,
    st.lists(coverages(), max_size=2).map(tuple),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=60))
PROPERTY_HORIZON = timedelta(days=60)  # keeps each example quick
property_settings = settings(
    deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)


def wall_clock_open(sched: WeeklySchedule | None, at: datetime) -> bool | None:
    """Independent oracle: is the local wall time of ``at`` inside a window of its weekday?

    ``None`` when the wall time happens twice (clocks going back), where the first-occurrence
    rule makes the wall time alone insufficient to decide.
    """
    if sched is None:
        return False
    local = at.astimezone(sched.zone)
    if local.replace(fold=1 - local.fold).astimezone(UTC) != at:
        return None
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    for window in sched.windows:
        if window.weekday != local.weekday():
            continue
        start = window.start.hour * 60 + window.start.minute
        end = window.end.hour * 60 + window.end.minute or 24 * 60
        if start <= minute < end:
            return True
    return False


def governing(cal: BusinessCalendar, at: datetime) -> WeeklySchedule | None:
    sched: WeeklySchedule | None = cal.schedule
    for coverage in cal.coverages:
        if coverage.start <= at < coverage.end:
            sched = coverage.schedule
    return sched


class TestProperties:
    @property_settings
    @given(cal=calendars, at=instants)
    def test_is_open_matches_wall_clock_oracle(self, cal: BusinessCalendar, at: datetime) -> None:
        expected = wall_clock_open(governing(cal, at), at)
        assume(expected is not None)
        assert cal.is_open(at) is expected

    @property_settings
    @given(cal=calendars, start=instants, span=st.timedeltas(timedelta(0), timedelta(days=15)))
    def test_open_intervals_are_ordered_disjoint_and_clipped(
        self, cal: BusinessCalendar, start: datetime, span: timedelta
    ) -> None:
        end = start + span
        intervals = list(cal.open_intervals(start, end))
        previous_close = None
        for opens, closes in intervals:
            assert opens.tzinfo is UTC and closes.tzinfo is UTC
            assert start <= opens < closes <= end
            if previous_close is not None:
                assert previous_close < opens  # maximal: never touching
                assert not cal.is_open(previous_close)
            assert cal.is_open(opens)
            assert cal.is_open(closes - TINY)
            previous_close = closes
        if intervals and intervals[-1][1] < end:
            assert not cal.is_open(intervals[-1][1])

    @property_settings
    @given(cal=calendars, start=instants, duration=durations)
    def test_add_business_hours_counts_exactly(
        self, cal: BusinessCalendar, start: datetime, duration: timedelta
    ) -> None:
        due = cal.add_business_hours(start, duration, PROPERTY_HORIZON)
        if due is None:
            total = cal.open_time_between(start, start + PROPERTY_HORIZON)
            assert total < duration or (duration == timedelta(0) and total == timedelta(0))
            return
        assert due.tzinfo is UTC
        assert due >= start
        assert cal.open_time_between(start, due) == duration
        if duration > timedelta(0):
            assert cal.is_open(due - TINY)
        else:
            assert due == cal.next_open(start, PROPERTY_HORIZON)

    @property_settings
    @given(cal=calendars, start=instants, first=durations, second=durations)
    def test_add_business_hours_is_monotone_and_additive(
        self, cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
    ) -> None:
        shorter, longer = sorted((first, second))
        early = cal.add_business_hours(start, shorter, PROPERTY_HORIZON)
        late = cal.add_business_hours(start, longer, PROPERTY_HORIZON)
        if early is None:
            assert late is None
            return
        if late is not None:
            assert early <= late
        # Splitting a duration in two gives the same answer, as long as the second part
        # is positive (a zero second part would move a closing time on to the next opening).
        if first > timedelta(0) and second > timedelta(0) and late is not None:
            midway = cal.add_business_hours(start, first)
            assert midway is not None
            assert cal.add_business_hours(midway, second) == cal.add_business_hours(
                start, first + second
            )

    @property_settings
    @given(cal=calendars, start=instants, days=st.integers(0, 6))
    def test_add_business_days_lands_on_a_close(
        self, cal: BusinessCalendar, start: datetime, days: int
    ) -> None:
        due = cal.add_business_days(start, days, PROPERTY_HORIZON)
        if due is None:
            return
        assert due > start
        assert cal.is_open(due - TINY)
        later = cal.add_business_days(start, days + 1, PROPERTY_HORIZON)
        if later is not None:
            assert later > due
        # At least as much open time as days=0 would need; each business day adds some.
        assert cal.open_time_between(start, due) > timedelta(0)

    @property_settings
    @given(sched=busy_schedules, start=instants, days=st.integers(0, 4))
    def test_business_days_are_consecutive_open_local_dates(
        self, sched: WeeklySchedule, start: datetime, days: int
    ) -> None:
        cal = BusinessCalendar(sched)
        due = cal.add_business_days(start, days, PROPERTY_HORIZON)
        assume(due is not None)
        assert due is not None
        zone = sched.zone
        # Day 0 is the local date of the first opening at or after start ...
        opening = cal.next_open(start)
        assert opening is not None
        dates_seen: set[date] = set()
        for opens, closes in cal.open_intervals(start, due):
            # A merged interval may run through several whole local dates.
            day, last = opens.astimezone(zone).date(), (closes - TINY).astimezone(zone).date()
            while day <= last:
                dates_seen.add(day)
                day += timedelta(days=1)
        open_dates = sorted(dates_seen)
        assert open_dates[0] == opening.astimezone(zone).date()
        # ... and the answer is the close of the days-th open date after it.
        assert len(open_dates) == days + 1
        due_date = (due - TINY).astimezone(zone).date()
        assert due_date == open_dates[-1]
        end_of_day = datetime.combine(due_date + timedelta(days=1), time(0), tzinfo=zone)
        assert cal.open_time_between(due, end_of_day) == timedelta(0)

    @property_settings
    @given(sched=schedules, start=instants)
    def test_next_open_agrees_with_open_intervals(
        self, sched: WeeklySchedule, start: datetime
    ) -> None:
        cal = BusinessCalendar(sched)
        # next_open's horizon is inclusive, open_intervals' end is not: line them up.
        opening = cal.next_open(start, PROPERTY_HORIZON - TINY)
        first = next(iter(cal.open_intervals(start, start + PROPERTY_HORIZON)), None)
        assert opening == (first[0] if first else None)
        if opening is not None:
            assert cal.is_open(opening)
            assert cal.open_time_between(start, opening) == timedelta(0)
