"""The pure rules of when check-ins and caring messages are due, DST included."""

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from messaging.between import schedule
from messaging.between.chart import Week, weeks_svg, weeks_text
from messaging.between.services import check_in_score, is_stop_word

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def _times(starts_at, ends_at, cadence="daily", at=time(10), zone=NEW_YORK):
    return list(
        schedule.check_in_times(
            starts_at=starts_at, ends_at=ends_at, cadence=cadence, at=at, zone=zone
        )
    )


def test_daily_check_ins_at_the_local_time_inside_the_period():
    start = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)
    times = _times(start, start + timedelta(days=7))
    assert [t.astimezone(NEW_YORK).strftime("%a %H:%M") for t in times] == [
        "Mon 10:00", "Tue 10:00", "Wed 10:00", "Thu 10:00", "Fri 10:00", "Sat 10:00", "Sun 10:00",
    ]  # fmt: skip


def test_a_period_started_after_the_time_begins_the_next_day():
    start = datetime(2026, 11, 23, 15, 0, tzinfo=NEW_YORK)
    times = _times(start, start + timedelta(days=2))
    assert times[0] == datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)
    assert all(start <= t < start + timedelta(days=2) for t in times)


def test_cadences():
    start = datetime(2026, 11, 23, 8, 0, tzinfo=NEW_YORK)
    end = start + timedelta(days=14)
    assert len(_times(start, end, "twice_daily")) == 28
    assert len(_times(start, end, "daily")) == 14
    assert len(_times(start, end, "every_other_day")) == 7
    assert len(_times(start, end, "weekly")) == 2
    twice = _times(start, end, "twice_daily")
    assert [t.astimezone(NEW_YORK).hour for t in twice[:4]] == [10, 22, 10, 22]


def test_spring_forward_keeps_local_time_and_a_skipped_time_moves_past_the_jump():
    # 8 March 2026: 02:00 → 03:00 in New York.
    start = datetime(2026, 3, 6, 0, 0, tzinfo=NEW_YORK)
    at_ten = _times(start, start + timedelta(days=4))
    assert [t.astimezone(NEW_YORK).hour for t in at_ten] == [10, 10, 10, 10]
    assert at_ten[2] - at_ten[1] == timedelta(hours=23)  # the short day
    skipped = _times(start, start + timedelta(days=4), at=time(2, 30))
    assert skipped[2].astimezone(NEW_YORK).strftime("%d %H:%M %Z") == "08 03:30 EDT"


def test_fall_back_sends_a_repeated_time_once_the_first_time():
    # 1 November 2026: 02:00 → 01:00 in New York; 01:30 happens twice.
    start = datetime(2026, 10, 30, 0, 0, tzinfo=NEW_YORK)
    times = _times(start, start + timedelta(days=4), at=time(1, 30))
    sunday = [t for t in times if t.astimezone(NEW_YORK).day == 1]
    assert len(sunday) == 1
    assert sunday[0].astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"
    at_ten = _times(start, start + timedelta(days=4))
    assert at_ten[2] - at_ten[1] == timedelta(hours=25)  # the long day


def test_next_check_in_and_answer_window():
    start = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)
    end = start + timedelta(days=3)
    first = schedule.next_check_in_at(
        after=start, starts_at=start, ends_at=end, cadence="daily", at=time(10), zone=NEW_YORK
    )
    second = schedule.next_check_in_at(
        after=first, starts_at=start, ends_at=end, cadence="daily", at=time(10), zone=NEW_YORK
    )
    assert second - first == timedelta(days=1)
    assert schedule.answer_due_at(due_at=first, answer_hours=12, next_due_at=second) == (
        first + timedelta(hours=12)
    )
    # Never past the next check-in.
    assert schedule.answer_due_at(due_at=first, answer_hours=48, next_due_at=second) == second
    last = schedule.next_check_in_at(
        after=end, starts_at=start, ends_at=end, cadence="daily", at=time(10), zone=NEW_YORK
    )
    assert last is None


@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=30),
    cadence=st.sampled_from(sorted(schedule.CADENCES)),
    at=st.times(),
    zone=st.sampled_from([NEW_YORK, LONDON, ZoneInfo("Australia/Sydney"), ZoneInfo("UTC")]),
)
def test_check_ins_are_ordered_inside_the_period_and_at_the_agreed_wall_time(
    start, days, cadence, at, zone
):
    end = start + timedelta(days=days)
    times = _times(start, end, cadence, at, zone)
    assert times == sorted(set(times))
    assert all(start <= t < end for t in times)
    step_days = schedule.CADENCES[cadence][0]
    assert times or days < step_days + 1, "every full step of the cadence has a check-in"
    for moment in times:
        wall = moment.astimezone(zone)
        expected = {at, (datetime.combine(wall.date(), at) + timedelta(hours=12)).time()}
        if wall.time() not in expected:
            # Only when the agreed time did not exist that day (the clocks jumped over it).
            assert any(not _exists(wall.date(), t, zone) for t in expected), wall


def _exists(day, at, zone) -> bool:
    naive = datetime.combine(day, at)
    round_trip = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == naive


def test_caring_contacts_a_dozen_over_a_year_more_often_at_first():
    start = datetime(2026, 11, 24, 15, 0, tzinfo=NEW_YORK)
    times = schedule.caring_contact_times(starts_at=start, at=time(11), zone=NEW_YORK)
    assert len(times) == 12
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps[:4]) <= timedelta(days=7, hours=1)
    assert gaps[-1] >= timedelta(days=60)
    assert times[-1] - start < timedelta(days=366)
    # Across both DST changes, always 11:00 local.
    assert {t.astimezone(NEW_YORK).strftime("%H:%M") for t in times} == {"11:00"}


def test_check_in_score_and_stop_words():
    assert check_in_score("3") == 3
    assert check_in_score(" 2 rough day") == 2
    assert check_in_score("5!") == 5
    assert check_in_score("10") is None
    assert check_in_score("0") is None
    assert check_in_score("I'm a 2") is None
    assert check_in_score("") is None
    assert check_in_score("Check-in answer: 4 of 5 (okay)\nbetter") == 4
    assert is_stop_word("STOP") and is_stop_word(" stop. ") and is_stop_word("Unsubscribe")
    assert not is_stop_word("please don't stop writing")


def test_chart_draws_bars_a_limit_line_and_says_it_in_words():
    from datetime import date

    weeks = [
        Week(date(2026, 11, 2), messages=1, crises=0, check_ins=0),
        Week(date(2026, 11, 9), messages=0, crises=0, check_ins=0),
        Week(date(2026, 11, 16), messages=3, crises=1, check_ins=4),
    ]
    svg = weeks_svg(weeks, limit=2)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 4 and "stroke-dasharray" in svg
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert weeks_text(weeks, limit=2) == [
        "Week of 2 Nov 2026: 1 message",
        "Week of 16 Nov 2026: 3 messages, 4 check-ins, 1 crisis message (over the agreed limit)",
    ]
