"""The contact pattern, visible to both: "1 of 2 this week" for the client, a trend over
months for the therapist in session prep (server-rendered SVG with its text), and the pages'
query counts, the same however long the history."""

from datetime import timedelta

import pytest
from django.urls import reverse

from messaging.between.tick import between_tick
from messaging.intake.services import message_receive
from messaging.models import CheckIn
from tests.between.support import MONDAY_9AM, crisis_week
from tests.factories import activate_agreement, sign_in


def _message(world, body="Could we talk about my week?", purpose="clinical", emergency=False):
    return message_receive(
        practice=world.practice,
        channel="portal",
        body=body,
        sender=world.client,
        declared_purpose=purpose,
        declared_emergency=emergency,
    )


def test_the_client_sees_their_week_against_the_agreement(world, client, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    activate_agreement(world, frequency_limit_per_week=2)
    _message(world)
    _message(world, "I took all my pills", purpose="", emergency=True)  # a crisis never counts
    sign_in(client, world.client)
    home = client.get(reverse("client_home")).content.decode()
    assert "Messages this week: <strong>1 of 2</strong>" in home
    compose = client.get(reverse("message_compose")).content.decode()
    assert "1 of 2" in compose
    _message(world, "I wanted to tell you about the book I started reading on the train")
    _message(world, "Also I went to the pottery class again and enjoyed it this time")
    home = client.get(reverse("client_home")).content.decode()
    assert "more than we agreed" in home


def test_session_prep_shows_the_trend_and_the_check_in_timeline(
    phones, client, time_machine, twilio
):
    time_machine.move_to(MONDAY_9AM - timedelta(weeks=8), tick=False)
    activate_agreement(phones, frequency_limit_per_week=2)
    _message(phones, "Something from two months ago")
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones)
    for day in range(3):
        time_machine.move_to(MONDAY_9AM + timedelta(days=day, hours=1, seconds=1), tick=False)
        between_tick()
        between_tick()
        if day != 1:
            _message(phones, f"{4 - day} okay today", purpose="")
    time_machine.move_to(MONDAY_9AM + timedelta(days=3), tick=False)
    between_tick()
    sign_in(client, phones.therapist)
    page = client.get(reverse("session_prep", args=[phones.client.pk])).content.decode()
    assert (
        "<svg" in page
        and "Messages per week" in page
        and "<script" not in page.split("<svg")[1].split("</svg>")[0]
    )
    assert "The chart in words" in page
    assert "2 check-ins" in page  # this week, in words
    assert "4 of 5" in page and "Missed" in page and "2 of 5" in page
    states = list(CheckIn.objects.order_by("due_at").values_list("state", flat=True))
    assert states[:3] == ["answered", "missed", "answered"]


# Session prep: what it read before (session, user, membership, the client, the last and next
# session, held messages, shared notes, the staff banner) and five for what this adds: the
# check-in timeline with replies and their decisions joined, the active agreement's limit,
# the week's count, the months' messages with their decisions joined, the answered check-ins.
# One more on every staff page: django-otp reads the verified device (a deleted device
# signs its session out).
SESSION_PREP = 15
# The therapist's client page (with the device read): the timeline (one query, replies
# joined) and the caring schedule with its messages prefetched (two).
CLIENT_PAGE = 10
# The client's home: the open check-in, the limit and the week's count, the caring schedule
# and its messages (prefetched), besides what it read before.
CLIENT_HOME = 12


@pytest.mark.parametrize("history", [2, 20])
def test_session_prep_costs_the_same_however_long_the_history(
    phones, client, time_machine, twilio, django_assert_max_num_queries, history
):
    time_machine.move_to(MONDAY_9AM - timedelta(weeks=history), tick=False)
    activate_agreement(phones, frequency_limit_per_week=3)
    for week in range(history):
        time_machine.move_to(MONDAY_9AM - timedelta(weeks=history - week), tick=False)
        _message(phones, f"Week {week}: can we move Thursday?", purpose="logistics")
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, days=history)
    for day in range(history):
        time_machine.move_to(MONDAY_9AM + timedelta(days=day, hours=1, seconds=1), tick=False)
        between_tick()
        between_tick()
        _message(phones, "3 so-so", purpose="")
    sign_in(client, phones.therapist)
    url = reverse("session_prep", args=[phones.client.pk])
    client.get(url)
    with django_assert_max_num_queries(SESSION_PREP) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured.captured_queries) == SESSION_PREP


@pytest.mark.parametrize("history", [2, 20])
def test_client_page_and_home_cost_the_same_however_long_the_history(
    phones, client, time_machine, twilio, history
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, days=history, check_in_channel="portal")
    for day in range(history):
        time_machine.move_to(MONDAY_9AM + timedelta(days=day, hours=1, seconds=1), tick=False)
        between_tick()
        between_tick()
        if day % 2:
            _message(phones, "3 so-so", purpose="")
    sign_in(client, phones.therapist)
    url = reverse("client_detail", args=[phones.client.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as therapist_page:
        assert client.get(url).status_code == 200
    assert len(therapist_page) == CLIENT_PAGE
    sign_in(client, phones.client)
    client.get(reverse("client_home"))
    with CaptureQueriesContext(connection) as home:
        assert client.get(reverse("client_home")).status_code == 200
    assert len(home) == CLIENT_HOME
