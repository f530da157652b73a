"""Office hours and away periods from the database, through DST in two time zones."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from agreements import services
from agreements.calendars import business_calendar_for

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("zone_name", "friday", "monday_noon_offset_hours"),
    [
        # US clocks go back on Sunday 1 November 2026; UK clocks on Sunday 25 October 2026.
        ("America/New_York", datetime(2026, 10, 30, 16, 0), -5),
        ("Europe/London", datetime(2026, 10, 23, 16, 0), 0),
    ],
)
def test_four_business_hours_from_friday_afternoon_cross_the_clock_change(
    world, zone_name, friday, monday_noon_offset_hours
):
    therapist = world.therapist
    services.therapist_set_time_zone(therapist=therapist, by=therapist.user, time_zone=zone_name)
    zone = ZoneInfo(zone_name)
    start = friday.replace(tzinfo=zone)
    calendar = business_calendar_for(therapist, around=start)
    due = calendar.add_business_hours(start, timedelta(hours=4)).astimezone(zone)
    assert (due.weekday(), due.time()) == (0, time(12))
    assert due.utcoffset() == timedelta(hours=monday_noon_offset_hours)
    assert start.utcoffset() != due.utcoffset()


def test_away_period_uses_the_covering_therapists_hours(world):
    services.office_hours_replace(
        therapist=world.other_therapist,
        by=world.other_therapist.user,
        windows=[(day, time(7), time(10)) for day in range(5)],
    )
    start = datetime(2026, 11, 23, 18, 0, tzinfo=NEW_YORK)  # Monday evening
    services.away_period_add(
        therapist=world.therapist,
        by=world.therapist.user,
        starts_at=datetime(2026, 11, 23, 0, 0, tzinfo=NEW_YORK),
        ends_at=datetime(2026, 11, 28, 0, 0, tzinfo=NEW_YORK),
        covering_therapist=world.other_therapist,
    )
    calendar = business_calendar_for(world.therapist, around=start)
    due = calendar.add_business_hours(start, timedelta(hours=2)).astimezone(NEW_YORK)
    assert due == datetime(2026, 11, 24, 9, 0, tzinfo=NEW_YORK)


def test_away_without_cover_waits_for_the_return(world):
    start = datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
    services.away_period_add(
        therapist=world.therapist,
        by=world.therapist.user,
        starts_at=datetime(2026, 11, 23, 0, 0, tzinfo=NEW_YORK),
        ends_at=datetime(2026, 11, 25, 0, 0, tzinfo=NEW_YORK),
        covering_therapist=None,
    )
    calendar = business_calendar_for(world.therapist, around=start)
    assert calendar.next_open(start).astimezone(NEW_YORK) == datetime(
        2026, 11, 25, 9, 0, tzinfo=NEW_YORK
    )
