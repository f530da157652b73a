"""Office-hours arithmetic for "response due at" times.

A client's message is due for a response after a number of *business* hours or days, and
only the therapist's office hours count. This module is pure Python (no Django) so the
rules can be tested exhaustively and reused by views, tasks and auto-replies alike.

The rules, in plain words:

* Office hours are wall-clock windows in the therapist's own time zone: "Monday 09:00-17:00"
  means 09:00-17:00 on the office clock every Monday, in winter and in summer alike.
* A window that spans a clock change lasts as long as it really lasts: 01:00-04:00 on the
  night the clocks go forward is two hours of open time, not three.
* A wall time that does not exist (02:30 on the morning the clocks go forward) means the
  first instant after the gap; a wall time that happens twice (when the clocks go back)
  means its first occurrence.
* While a therapist is away, the covering therapist's office hours apply instead, in the
  cover's own time zone. When nobody covers, the practice is closed for that period.
* Every instant handed to or returned by this module is time-zone aware; returned instants
  are in UTC. A naive datetime is a bug waiting to happen, so it raises ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_HORIZON",
    "BusinessCalendar",
    "Coverage",
    "OfficeWindow",
    "WeeklySchedule",
    "describe_due",
]

#: How far ahead the calendar looks before it gives up and answers ``None``.
DEFAULT_HORIZON = timedelta(days=366)

_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_DAY = 24 * 60 * 60 * 1_000_000
# Keep every computation clear of datetime.max, leaving room for local-date arithmetic.
_LATEST_INSTANT = datetime.max.replace(tzinfo=UTC) - timedelta(days=7)
# All open pieces labelled with one local date fit in this span, whatever the zone offsets
# (one day plus the widest spread of UTC offsets, -12 h to +14 h).
_ONE_LOCAL_DATE_SPAN = timedelta(days=3)

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _require_aware(value: datetime, name: str) -> None:
    """Reject anything but an aware datetime: naive times have no place in due dates."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone aware datetime, got naive {value!r}")


def _require_horizon(horizon: timedelta) -> None:
    if horizon < timedelta(0):
        raise ValueError(f"horizon must not be negative, got {horizon!r}")


def _later_by(instant: datetime, delta: timedelta) -> datetime:
    """``instant + delta`` in UTC, clamped short of the end of the representable range."""
    instant = instant.astimezone(UTC)
    if instant >= _LATEST_INSTANT or delta >= _LATEST_INSTANT - instant:
        return _LATEST_INSTANT
    return instant + delta


def _microseconds_of_day(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _resolve_wall_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time in ``zone``.

    An ambiguous wall time (clocks going back) is its first occurrence (fold=0). A wall time
    inside a gap (clocks going forward) is the first instant after the gap, i.e. the moment
    of the transition itself.
    """
    first = moment.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None, fold=0) == moment:
        return first
    # Inside a gap: fold=1 reads the wall time with the offset after the transition, which
    # lands before the transition; fold=0 lands after it. Bisect for the transition.
    before = moment.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = first
    target_offset = after.astimezone(zone).utcoffset()
    while after - before > _MICROSECOND:
        middle = before + (after - before) // 2
        if middle.astimezone(zone).utcoffset() == target_offset:
            after = middle
        else:
            before = middle
    return after


@dataclass(frozen=True)
class OfficeWindow:
    """One stretch of office hours: ``start`` to ``end`` on ``weekday`` (0=Monday, 6=Sunday).

    Times are wall-clock times in the schedule's time zone. An ``end`` of 00:00 stands for
    midnight at the *end* of the day (24:00), so 00:00-00:00 is the whole day.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int):
            raise TypeError(f"weekday must be an int, got {self.weekday!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise TypeError(f"{name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(
                    f"{name} must be a plain wall-clock time; the schedule sets the time zone"
                )
        if self.start_microseconds >= self.end_microseconds:
            raise ValueError(
                f"an office window must start before it ends: {self.start:%H:%M} is not "
                f"before {self.end:%H:%M} (use 00:00 as the end for midnight)"
            )

    @property
    def start_microseconds(self) -> int:
        """Start as microseconds since local midnight."""
        return _microseconds_of_day(self.start)

    @property
    def end_microseconds(self) -> int:
        """End as microseconds since local midnight; an end of 00:00 means 24:00."""
        if self.end == time(0):
            return _MICROSECONDS_PER_DAY
        return _microseconds_of_day(self.end)


class _Span(NamedTuple):
    """A merged window as microseconds since local midnight, ``end`` exclusive."""

    start: int
    end: int


@dataclass(frozen=True)
class WeeklySchedule:
    """A therapist's weekly office hours in their own time zone (an IANA name).

    A day may have several windows (09:00-12:00 and 13:00-17:00 leaves a lunch break);
    windows that overlap or touch are merged into one.
    """

    time_zone: str
    windows: tuple[OfficeWindow, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.windows, tuple):
            # Accept any iterable but store a tuple, so the schedule stays hashable.
            object.__setattr__(self, "windows", tuple(self.windows))
        for window in self.windows:
            if not isinstance(window, OfficeWindow):
                raise TypeError(f"windows must be OfficeWindow instances, got {window!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's time zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.time_zone)

    @cached_property
    def _spans_by_weekday(self) -> tuple[tuple[_Span, ...], ...]:
        by_weekday: list[list[_Span]] = [[] for _ in range(7)]
        for window in self.windows:
            by_weekday[window.weekday].append(
                _Span(window.start_microseconds, window.end_microseconds)
            )
        return tuple(_merge_spans(spans) for spans in by_weekday)

    def merged_windows(self, weekday: int) -> tuple[OfficeWindow, ...]:
        """The day's windows, sorted, with overlapping or touching windows merged."""
        return tuple(
            OfficeWindow(weekday, _time_of_day(span.start), _time_of_day(span.end))
            for span in self._spans_by_weekday[weekday]
        )

    @property
    def is_empty(self) -> bool:
        """True when the schedule never opens."""
        return not any(self._spans_by_weekday)

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals (UTC, in order, non-empty) of the local date ``day``."""
        spans = self._spans_by_weekday[day.weekday()]
        if not spans:
            return []
        zone = self.zone
        midnight = datetime.combine(day, time(0))
        intervals: list[tuple[datetime, datetime]] = []
        for span in spans:
            opens = _resolve_wall_time(midnight + timedelta(microseconds=span.start), zone)
            closes = _resolve_wall_time(midnight + timedelta(microseconds=span.end), zone)
            # A window entirely inside a spring-forward gap never happens at all.
            if opens >= closes:
                continue
            # Two windows either side of a gap can become adjacent once resolved.
            if intervals and opens <= intervals[-1][1]:
                intervals[-1] = (intervals[-1][0], max(intervals[-1][1], closes))
            else:
                intervals.append((opens, closes))
        return intervals


def _merge_spans(spans: list[_Span]) -> tuple[_Span, ...]:
    merged: list[_Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            merged[-1] = _Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


def _time_of_day(microseconds: int) -> time:
    if microseconds == _MICROSECONDS_PER_DAY:
        return time(0)  # 24:00, as an OfficeWindow end
    seconds, micro = divmod(microseconds, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


@dataclass(frozen=True)
class Coverage:
    """An away period: during [start, end) the covering therapist's schedule applies.

    ``schedule`` is the cover's own weekly schedule (in the cover's time zone), or ``None``
    when nobody covers, which closes the practice for the whole period. When away periods
    overlap, the one listed later in the calendar wins for the overlapping time.
    """

    start: datetime
    end: datetime
    schedule: WeeklySchedule | None

    def __post_init__(self) -> None:
        _require_aware(self.start, "Coverage.start")
        _require_aware(self.end, "Coverage.end")
        if self.start >= self.end:
            raise ValueError(f"a coverage must start before it ends: {self.start} >= {self.end}")
        if self.schedule is not None and not isinstance(self.schedule, WeeklySchedule):
            raise TypeError(f"schedule must be a WeeklySchedule or None, got {self.schedule!r}")


class _Piece(NamedTuple):
    """An open stretch of time and the local date (in its own schedule's zone) it belongs to."""

    start: datetime
    end: datetime
    day: date


@dataclass(frozen=True)
class BusinessCalendar:
    """The effective office hours: a weekly schedule with away periods applied."""

    schedule: WeeklySchedule
    coverages: tuple[Coverage, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, WeeklySchedule):
            raise TypeError(f"schedule must be a WeeklySchedule, got {self.schedule!r}")
        if not isinstance(self.coverages, tuple):
            object.__setattr__(self, "coverages", tuple(self.coverages))
        for coverage in self.coverages:
            if not isinstance(coverage, Coverage):
                raise TypeError(f"coverages must be Coverage instances, got {coverage!r}")

    # -- queries -------------------------------------------------------------------------

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals within [start, end), in order, as (opens, closes) in UTC.

        Intervals are clipped to [start, end) and maximal: back-to-back office hours (say a
        handover from one therapist to their cover) come out as one interval.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        # Validate eagerly, then hand back a lazy generator: callers often stop early.
        return self._merged(self._pieces(start, end))

    def open_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much open time lies within [start, end)."""
        return sum(
            (closes - opens for opens, closes in self.open_intervals(start, end)), timedelta(0)
        )

    def is_open(self, at: datetime) -> bool:
        """Whether the practice is open at the instant ``at``."""
        _require_aware(at, "at")
        return any(True for _ in self._pieces(at, _later_by(at, _MICROSECOND)))

    def next_open(self, at: datetime, horizon: timedelta = DEFAULT_HORIZON) -> datetime | None:
        """``at`` (in UTC) if open, otherwise the first opening within ``horizon`` after it.

        ``None`` means nothing opens within the horizon, e.g. an empty schedule.
        """
        _require_aware(at, "at")
        _require_horizon(horizon)
        # The horizon is inclusive: an opening exactly at at + horizon still counts.
        for piece in self._pieces(at, _later_by(at, horizon + _MICROSECOND)):
            return piece.start
        return None

    def add_business_hours(
        self, start: datetime, duration: timedelta, horizon: timedelta = DEFAULT_HORIZON
    ) -> datetime | None:
        """The instant (UTC) at which ``duration`` of open time has passed since ``start``.

        Open time is real elapsed time, so an hour across a clock change is still an hour.
        Running out exactly at closing time gives the closing time ("by 17:00 Friday"), not
        the next opening. A zero duration gives ``next_open(start)``. ``None`` means the
        duration cannot be reached within ``horizon`` of ``start``.
        """
        _require_aware(start, "start")
        _require_horizon(horizon)
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if duration == timedelta(0):
            return self.next_open(start, horizon)
        remaining = duration
        # Walks window by window (one local day at a time), never minute by minute.
        for opens, closes in self.open_intervals(start, _later_by(start, horizon)):
            length = closes - opens
            if remaining <= length:
                return opens + remaining
            remaining -= length
        return None

    def add_business_days(
        self, start: datetime, days: int, horizon: timedelta = DEFAULT_HORIZON
    ) -> datetime | None:
        """The close of business ``days`` business days after the day ``start`` counts for.

        In plain words, "within 2 business days" means by the close of the second business
        day after the day we receive the message. A message received before or during a
        business day counts for that day; one received after the day's last close (or on a
        day without office hours) counts for the next business day. ``days=0`` is the close
        of that same business day.

        A business day is a local date with any open time, dated in the time zone of the
        schedule that applies then (the cover's, during an away period). Its close is the
        end of its last open interval. ``None`` means the day does not start within
        ``horizon`` of ``start``.
        """
        _require_aware(start, "start")
        _require_horizon(horizon)
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        limit = _later_by(start, horizon)
        counted = -1  # business days seen so far after the first; the first is day 0
        current_day: date | None = None
        close: datetime | None = None
        # Look a little past the horizon so that the last day's close is never cut short.
        for piece in self._pieces(start, _later_by(limit, _ONE_LOCAL_DATE_SPAN)):
            if current_day is None or piece.day > current_day:
                if counted == days:
                    return close  # a later date has begun: the target day has closed
                if piece.start >= limit:
                    return None
                counted += 1
                current_day = piece.day
            if piece.day == current_day:
                close = piece.end
        return close if counted == days else None

    # -- internals -----------------------------------------------------------------------

    def _segments(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime, WeeklySchedule | None]]:
        """Split [start, end) by away periods, naming the schedule in force for each part."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if start >= end:
            return
        cuts = {start, end}
        for coverage in self.coverages:
            for edge in (coverage.start, coverage.end):
                if start < edge < end:
                    cuts.add(edge.astimezone(UTC))
        ordered = sorted(cuts)
        for part_start, part_end in pairwise(ordered):
            schedule: WeeklySchedule | None = self.schedule
            for coverage in self.coverages:  # later coverages override earlier ones
                if coverage.start <= part_start < coverage.end:
                    schedule = coverage.schedule
            yield part_start, part_end, schedule

    def _pieces(self, start: datetime, end: datetime) -> Iterator[_Piece]:
        """Open pieces within [start, end), in order, each labelled with its local date."""
        for part_start, part_end, schedule in self._segments(start, end):
            if schedule is None or schedule.is_empty:
                continue  # closed: nobody covers, or nobody ever opens
            zone = schedule.zone
            # Start a day early: a window from the previous local date may reach into ours.
            day = part_start.astimezone(zone).date() - _DAY
            last_day = part_end.astimezone(zone).date()
            while day <= last_day:
                for opens, closes in schedule.day_intervals(day):
                    if opens >= part_end:
                        break
                    if closes > part_start:
                        yield _Piece(max(opens, part_start), min(closes, part_end), day)
                day += _DAY

    @staticmethod
    def _merged(pieces: Iterator[_Piece]) -> Iterator[tuple[datetime, datetime]]:
        current: tuple[datetime, datetime] | None = None
        for piece in pieces:
            if current is not None and piece.start <= current[1]:
                current = (current[0], max(current[1], piece.end))
                continue
            if current is not None:
                yield current
            current = (piece.start, piece.end)
        if current is not None:
            yield current


def describe_due(due: datetime, now: datetime, zone: str | tzinfo) -> str:
    """A short, friendly phrase for when a reply is due, in the reader's local time.

    "today by 16:00", "tomorrow by 10:00", "Thursday by 10:00" within the coming week, and
    "Thursday 14 May by 10:00" further out (with the year if it is not this year). Seconds
    round *up* to the next minute, so the phrase never promises a reply sooner than due.
    """
    _require_aware(due, "due")
    _require_aware(now, "now")
    local_zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    due_utc = due.astimezone(UTC)
    if due_utc.second or due_utc.microsecond:
        due_utc = due_utc.replace(second=0, microsecond=0) + timedelta(minutes=1)
    local_due = due_utc.astimezone(local_zone)
    local_now = now.astimezone(local_zone)
    clock = f"{local_due:%H:%M}"
    days_away = (local_due.date() - local_now.date()).days
    if days_away == 0:
        return f"today by {clock}"
    if days_away == 1:
        return f"tomorrow by {clock}"
    weekday = _WEEKDAY_NAMES[local_due.weekday()]
    if 2 <= days_away <= 6:
        return f"{weekday} by {clock}"
    on_date = f"{weekday} {local_due.day} {_MONTH_NAMES[local_due.month - 1]}"
    if local_due.year != local_now.year:
        on_date = f"{on_date} {local_due.year}"
    return f"{on_date} by {clock}"
