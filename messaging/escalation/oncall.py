"""Who is on call, as pure rules: a weekly rotation plus overrides. No ORM, no clock.

The rules, in plain words:

* A rotation hands off once a week at a local weekday and time in the schedule's own time zone
  ("Monday 09:00 in New York"). Across a clock change the handoff stays at 09:00 on the local
  clock, so that week's shift lasts 167 or 169 real hours.
* The first handoff is on ``rotation_start`` when that date is the handoff weekday, otherwise on
  the first handoff weekday after it. The first member covers from there, then the next, and
  after the last member the first again. Before the first handoff the rotation names nobody.
* A handoff time that doesn't exist (inside a spring-forward gap) means the first instant after
  the gap; one that happens twice (clocks going back) means its first occurrence — the same rule
  as office hours (``agreements.business_hours``).
* An override puts someone on call for [starts_at, ends_at) whatever the rotation says. When
  overrides overlap, the one created last wins, so callers pass them in creation order.
* Every instant handed in must be time-zone aware; every instant handed back is in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# One rule for wall-clock times that don't exist or happen twice, shared with office hours.
from agreements.business_hours import _resolve_wall_time

__all__ = [
    "Override",
    "Rotation",
    "Shift",
    "handoff_at",
    "handoffs_between",
    "on_call_at",
    "rotation_shift_at",
    "rotation_shifts_between",
    "shifts_between",
    "wall_time_to_utc",
]

_WEEK = timedelta(days=7)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone aware datetime, got naive {value!r}")


def _zone(time_zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone {time_zone!r}") from error


def wall_time_to_utc(moment: datetime, time_zone: str) -> datetime:
    """The UTC instant of a naive wall-clock ``moment`` read in ``time_zone``.

    A time inside a spring-forward gap is the first instant after the gap; a time that happens
    twice is its first occurrence (fold=0). An aware ``moment`` is simply converted to UTC.
    """
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment.astimezone(UTC)
    return _resolve_wall_time(moment.replace(tzinfo=None, fold=0), _zone(time_zone))


@dataclass(frozen=True)
class Rotation:
    """A weekly rotation: ``member_ids`` take turns, handing off at a local weekday and time."""

    time_zone: str
    handoff_weekday: int
    handoff_time: time
    rotation_start: date
    member_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _zone(self.time_zone)
        if isinstance(self.handoff_weekday, bool) or not isinstance(self.handoff_weekday, int):
            raise TypeError(f"handoff_weekday must be an int, got {self.handoff_weekday!r}")
        if not 0 <= self.handoff_weekday <= 6:
            raise ValueError(f"handoff_weekday must be 0 (Monday) to 6, got {self.handoff_weekday}")
        if not isinstance(self.handoff_time, time) or self.handoff_time.tzinfo is not None:
            raise TypeError("handoff_time must be a plain wall-clock datetime.time")
        if isinstance(self.rotation_start, datetime) or not isinstance(self.rotation_start, date):
            raise TypeError(f"rotation_start must be a date, got {self.rotation_start!r}")
        if not isinstance(self.member_ids, tuple):
            object.__setattr__(self, "member_ids", tuple(self.member_ids))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def first_handoff_date(self) -> date:
        """The local date of the first handoff: the handoff weekday on or after the start."""
        ahead = (self.handoff_weekday - self.rotation_start.weekday()) % 7
        return self.rotation_start + timedelta(days=ahead)

    def member_for(self, index: int) -> int | None:
        """Who covers the ``index``-th shift (0 is the first), or None with nobody to rotate."""
        if index < 0 or not self.member_ids:
            return None
        return self.member_ids[index % len(self.member_ids)]


@dataclass(frozen=True)
class Override:
    """``member_id`` is on call for [starts_at, ends_at), whatever the rotation says."""

    member_id: int
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "Override.starts_at")
        _require_aware(self.ends_at, "Override.ends_at")
        if self.starts_at >= self.ends_at:
            raise ValueError(f"an override must start before it ends: {self.starts_at}")

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class Shift:
    """Someone (or, with ``member_id`` None, nobody) on call for [starts_at, ends_at), in UTC."""

    member_id: int | None
    starts_at: datetime
    ends_at: datetime
    is_override: bool = False

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


# --- the rotation alone ------------------------------------------------------------------


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """The instant (UTC) of the ``index``-th handoff; 0 is the first, negatives go back."""
    local_date = rotation.first_handoff_date + index * _WEEK
    return _resolve_wall_time(datetime.combine(local_date, rotation.handoff_time), rotation.zone)


def _shift_index_at(rotation: Rotation, at: datetime) -> int:
    """The index of the handoff at or before ``at`` (negative before the first handoff)."""
    local_date = at.astimezone(rotation.zone).date()
    index = (local_date - rotation.first_handoff_date).days // 7
    # The local date gives the week; the handoff time on the day itself decides the rest.
    while handoff_at(rotation, index) > at:
        index -= 1
    while handoff_at(rotation, index + 1) <= at:
        index += 1
    return index


def rotation_shift_at(rotation: Rotation, at: datetime) -> Shift | None:
    """The whole rotation shift (ignoring overrides) that contains ``at``, or None.

    None before the first handoff and for a rotation with no members.
    """
    _require_aware(at, "at")
    index = _shift_index_at(rotation, at)
    member_id = rotation.member_for(index)
    if member_id is None:
        return None
    return Shift(member_id, handoff_at(rotation, index), handoff_at(rotation, index + 1))


def handoffs_between(rotation: Rotation, start: datetime, end: datetime) -> list[datetime]:
    """The handoff instants (UTC) within [start, end), from the first handoff on."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    index = _shift_index_at(rotation, start)
    if handoff_at(rotation, index) < start:
        index += 1
    index = max(index, 0)
    handoffs = []
    while (instant := handoff_at(rotation, index)) < end:
        handoffs.append(instant)
        index += 1
    return handoffs


def rotation_shifts_between(rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """Whole rotation shifts (not clipped, no overrides) that overlap [start, end)."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if not rotation.member_ids or start >= end:
        return []
    index = max(_shift_index_at(rotation, start), 0)
    shifts = []
    while (starts_at := handoff_at(rotation, index)) < end:
        ends_at = handoff_at(rotation, index + 1)
        if ends_at > start:
            shifts.append(Shift(rotation.member_for(index), starts_at, ends_at))
        index += 1
    return shifts


# --- rotation and overrides together ----------------------------------------------------------


def _override_at(overrides: Sequence[Override], at: datetime) -> int | None:
    """The index of the override in force at ``at``: the last-created one that covers it."""
    for index in range(len(overrides) - 1, -1, -1):
        if overrides[index].covers(at):
            return index
    return None


def on_call_at(rotation: Rotation, overrides: Sequence[Override], at: datetime) -> int | None:
    """Who is on call at ``at``: an override if one covers it, else the rotation's member.

    ``overrides`` come in creation order; the latest-created one wins where they overlap.
    """
    _require_aware(at, "at")
    winner = _override_at(overrides, at)
    if winner is not None:
        return overrides[winner].member_id
    return rotation.member_for(_shift_index_at(rotation, at))


def shifts_between(
    rotation: Rotation, overrides: Sequence[Override], start: datetime, end: datetime
) -> list[Shift]:
    """Who is on call across [start, end), as contiguous shifts clipped to the range.

    The shifts cover the range exactly, in order, without gaps or overlaps. A stretch with
    nobody on call (before the first handoff, or with no members) is a shift with ``member_id``
    None, so a calendar can say so. A shift ends at each handoff and at each override edge,
    even when the same person carries on, so every handoff shows.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start >= end:
        return []
    cuts = {start, end}
    cuts.update(handoffs_between(rotation, start, end))
    for override in overrides:
        for edge in (override.starts_at, override.ends_at):
            if start < edge < end:
                cuts.add(edge.astimezone(UTC))
    ordered = sorted(cuts)

    shifts: list[Shift] = []
    previous_source: tuple | None = None
    for piece_start, piece_end in pairwise(ordered):
        winner = _override_at(overrides, piece_start)
        if winner is not None:
            member_id, source = overrides[winner].member_id, ("override", winner)
        else:
            index = _shift_index_at(rotation, piece_start)
            member_id = rotation.member_for(index)
            source = ("rotation", index) if member_id is not None else ("nobody",)
        if shifts and source == previous_source:
            shifts[-1] = Shift(member_id, shifts[-1].starts_at, piece_end, winner is not None)
        else:
            shifts.append(Shift(member_id, piece_start, piece_end, winner is not None))
        previous_source = source
    return shifts
