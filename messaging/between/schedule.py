"""When between-session contact is due: the rules, with no ORM.

Check-ins (during a crisis period)
  a. A check-in is due at the agreed local time in the client's time zone, on the period's
     first day and then every step of the cadence: twice a day (the agreed time and twelve
     hours later), daily, every other day or weekly.
  b. Only inside the crisis period: not before it starts, not at or after it ends (or ended).
  c. A local time that does not exist that day (the clocks jump forward over it) is sent as
     many minutes after the jump as it was meant to be before it: 02:30 becomes 03:30. A local
     time that happens twice (the clocks go back) is sent the first time.
  d. A check-in is missed when no answer comes within the agreed hours, and never later than
     the next check-in: one answer window never overlaps the next.

Caring contacts (after a crisis)
  e. About a dozen brief messages over a year, more often at first, as in the Caring Contacts
     studies (Motto & Bostrom 2001: letters monthly, then every two and three months; Comtois
     et al. 2019: eleven texts over twelve months, weekly in the first month): on days 1, 7,
     14, 21 and 28, then at about 6 weeks, 2, 3, 4, 6 and 9 months and a year.
  f. Each is sent at the agreed local time on its day (rule c for DST).
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Cadence name → (days between check-in days, local times past the agreed time on each day).
CADENCES: dict[str, tuple[int, tuple[timedelta, ...]]] = {
    "twice_daily": (1, (timedelta(0), timedelta(hours=12))),
    "daily": (1, (timedelta(0),)),
    "every_other_day": (2, (timedelta(0),)),
    "weekly": (7, (timedelta(0),)),
}

#: Rule e: days after the start of caring contacts, twelve in all.
CARING_CONTACT_DAYS = (1, 7, 14, 21, 28, 42, 60, 90, 120, 180, 270, 365)


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Rule c: ``at`` on ``day`` in ``zone`` as an aware UTC moment.

    ``fold=0`` is the first of two repeated times, and for a time the clocks skip it keeps the
    offset from before the jump, which lands that many minutes after it.
    """
    wall = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    return wall.astimezone(UTC)


def _wall_times(day: date, at: time, offsets: tuple[timedelta, ...]) -> Iterator[tuple[date, time]]:
    for offset in offsets:
        wall = datetime.combine(day, at) + offset
        yield wall.date(), wall.time()


def check_in_times(
    *,
    starts_at: datetime,
    ends_at: datetime,
    cadence: str,
    at: time,
    zone: ZoneInfo,
) -> Iterator[datetime]:
    """Rules a–c: every check-in moment of a crisis period, in order."""
    step_days, offsets = CADENCES[cadence]
    day = starts_at.astimezone(zone).date()
    while True:
        for wall_day, wall_time in _wall_times(day, at, offsets):
            moment = local_moment(wall_day, wall_time, zone)
            if moment >= ends_at:
                return
            if moment >= starts_at:
                yield moment
        day += timedelta(days=step_days)


def next_check_in_at(
    *,
    after: datetime,
    starts_at: datetime,
    ends_at: datetime,
    cadence: str,
    at: time,
    zone: ZoneInfo,
) -> datetime | None:
    """The first check-in moment strictly after ``after``, or None when the period has none."""
    for moment in check_in_times(
        starts_at=starts_at, ends_at=ends_at, cadence=cadence, at=at, zone=zone
    ):
        if moment > after:
            return moment
    return None


def answer_due_at(*, due_at: datetime, answer_hours: int, next_due_at: datetime | None) -> datetime:
    """Rule d: when an unanswered check-in counts as missed."""
    deadline = due_at + timedelta(hours=answer_hours)
    return min(deadline, next_due_at) if next_due_at else deadline


def caring_contact_times(*, starts_at: datetime, at: time, zone: ZoneInfo) -> list[datetime]:
    """Rules e–f: the moments of a year of caring contacts started at ``starts_at``."""
    first_day = starts_at.astimezone(zone).date()
    return [
        local_moment(first_day + timedelta(days=days), at, zone) for days in CARING_CONTACT_DAYS
    ]


#: Planning never sends a check-in more than this late (after an outage it skips to the next).
STALE_AFTER = timedelta(hours=1)
#: Just before the period starts, so a check-in due at the very start counts.
JUST_BEFORE = timedelta(microseconds=1)
