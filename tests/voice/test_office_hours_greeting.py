"""The greeting tells the office as it is at the moment of the call, in local wall-clock time,
across the DST changes (the clock is set with time-machine)."""

from datetime import datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from tests.voice.calls import call_params, turn

NEW_YORK = ZoneInfo("America/New_York")


def greeting_words(client) -> str:
    response = turn(client, "voice_incoming", call_params())
    assert response.status_code == 200
    return " ".join(e.text or "" for e in ElementTree.fromstring(response.content).iter("Say"))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # The night DST ends (01:30 happens twice): Monday's opening is still 9 a.m. local.
        (
            datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=NEW_YORK),
            "It opens again tomorrow at 9 a.m.",
        ),
        (
            datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK),
            "It opens again tomorrow at 9 a.m.",
        ),
        # The weekend DST starts: the Monday opening is 9 a.m. on the new clock.
        (datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK), "It opens again Monday at 9 a.m."),
        (datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK), "It opens again tomorrow at 9 a.m."),
        (datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK), "The office is open now."),
        (datetime(2026, 11, 2, 16, 59, tzinfo=NEW_YORK), "The office is open now."),
        (datetime(2026, 11, 2, 17, 0, tzinfo=NEW_YORK), "It opens again tomorrow at 9 a.m."),
    ],
)
def test_office_hours_in_the_greeting_across_dst(client, world, time_machine, at, expected):
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    time_machine.move_to(at, tick=False)
    assert expected in greeting_words(client)


def test_an_unknown_caller_hears_the_practices_standard_week(client, world, time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 12, 0, tzinfo=NEW_YORK), tick=False)  # Saturday
    response = turn(client, "voice_incoming", call_params(caller="+15559990000"))
    words = " ".join(e.text or "" for e in ElementTree.fromstring(response.content).iter("Say"))
    assert "It opens again Monday at 9 a.m." in words
