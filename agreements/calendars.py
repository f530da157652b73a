"""The bridge from office hours and away periods in the database to the pure calendar, and
the one standard office week used wherever nobody has set hours of their own.
"""

from datetime import datetime, time, timedelta

from django.db.models import Prefetch

from .business_hours import BusinessCalendar, Coverage, OfficeWindow, WeeklySchedule
from .models import AwayPeriod, Membership, OfficeHours, Practice

#: A new therapist's hours, and the practice's hours for senders nobody recognises:
#: Monday to Friday, 09:00-17:00, as (weekday, start, end).
DEFAULT_OFFICE_HOURS: tuple[tuple[int, time, time], ...] = tuple(
    (weekday, time(9), time(17)) for weekday in range(5)
)


def weekly_schedule(
    therapist: Membership, hours: list[OfficeHours] | None = None
) -> WeeklySchedule:
    rows = therapist.office_hours.all() if hours is None else hours
    return WeeklySchedule(
        time_zone=therapist.time_zone,
        windows=tuple(OfficeWindow(h.weekday, h.start, h.end) for h in rows),
    )


def business_calendar_for(
    therapist: Membership, *, around: datetime, look_ahead: timedelta = timedelta(days=366)
) -> BusinessCalendar:
    """The therapist's calendar, with each away period replaced by the cover's hours."""
    periods = (
        AwayPeriod.objects.filter(
            therapist=therapist,
            ends_at__gt=around - timedelta(days=1),
            starts_at__lt=around + look_ahead,
        )
        .select_related("covering_therapist")
        .prefetch_related(Prefetch("covering_therapist__office_hours"))
    )
    coverages = tuple(
        Coverage(
            start=period.starts_at,
            end=period.ends_at,
            schedule=weekly_schedule(period.covering_therapist)
            if period.covering_therapist
            else None,
        )
        for period in periods
    )
    return BusinessCalendar(schedule=weekly_schedule(therapist), coverages=coverages)


def practice_calendar(practice: Practice) -> BusinessCalendar:
    """For unknown senders: the standard office week in the practice's time zone."""
    return BusinessCalendar(
        schedule=WeeklySchedule(
            time_zone=practice.time_zone,
            windows=tuple(OfficeWindow(*window) for window in DEFAULT_OFFICE_HOURS),
        )
    )
