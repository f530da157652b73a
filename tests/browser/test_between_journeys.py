"""Between sessions, end to end in a real browser with the clock under the test's control and
the app's own tick moving the timers: a crisis period with daily check-ins over a simulated
week (answered, missed, a crisis reply), caring messages stopped by a text, and the client's
"can this wait?" choice."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from agreements import services as agreement_services
from messaging.between.tick import between_tick
from messaging.models import CaringSchedule, CheckIn, Escalation, Message, Notification, SessionNote
from messaging.notifications.services import notification_send
from tests.factories import activate_agreement, browser_sign_in

NEW_YORK = ZoneInfo("America/New_York")
AUTH_TOKEN = "twilio-between-auth-token"
CLIENT_PHONE = "+15550102001"
PHONE = {"width": 375, "height": 800}


@pytest.fixture
def practice(live_server, world, settings):
    settings.SITE_URL = live_server.url
    settings.USES_EMBEDDED_SERVICES = True
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    world.client.user.phone = CLIENT_PHONE
    world.client.user.save(update_fields=["phone"])
    return world


def _day(n: int, hour: int, minute: int = 0) -> datetime:
    """Day ``n`` of the week from Monday 23 November 2026, New York time."""
    return datetime(2026, 11, 23 + n, hour, minute, tzinfo=NEW_YORK)


def test_a_week_of_daily_check_ins_answered_missed_and_a_crisis_reply(
    practice, live_server, new_page, time_machine, screenshot
):
    world = practice
    time_machine.move_to(_day(0, 8, 30), tick=True)
    activate_agreement(
        world,
        check_ins_enabled=True,
        check_in_local_time=time(9, 0),
        check_in_channel="portal",
        check_in_answer_hours=10,
    )
    # Tess starts the crisis period from the client page, with the form's defaults.
    tess = new_page()
    browser_sign_in(tess, live_server.url, world.therapist.user.email)
    tess.goto(f"{live_server.url}/clients/{world.client.pk}/")
    tess.get_by_role("link", name="Start a crisis period").click()
    tess.get_by_role("button", name="Start crisis period").click()
    expect(tess.get_by_text("Crisis period started. It ends by itself.")).to_be_visible()

    # Pages left open across the days below would be signed out by the idle timer's script
    # while the test navigates; each person closes the page and signs in again, as they would.
    tess.goto("about:blank")
    cleo = new_page(viewport=PHONE)
    answers = {0: "4", 1: "3", 3: "5", 4: "4", 5: "3"}  # day 2 missed; day 6 a crisis
    for day in range(7):
        time_machine.move_to(
            _day(
                day,
                9,
                0,
            )
            + timedelta(seconds=1),
            tick=True,
        )
        between_tick()  # plan
        between_tick()  # send
        cleo.goto(f"{live_server.url}/me/")
        if "/accounts/login/" in cleo.url:  # a new day: yesterday's session idled out
            browser_sign_in(cleo, live_server.url, world.client.user.email)
            cleo.goto(f"{live_server.url}/me/")
        card = cleo.locator("#check-in")
        if day in answers:
            expect(card).to_contain_text("How are you today?")
            card.get_by_role("button", name=f"{answers[day]} —").click()
            expect(cleo.get_by_role("heading", name="Your message")).to_be_visible()
        elif day == 6:
            card.get_by_label("A few words, if you like").fill(
                "i have the pills here and i want to end it tonight"
            )
            card.get_by_role("button", name="1 — very bad").click()
            expect(cleo.get_by_text("988").first).to_be_visible()
            screenshot(cleo, "crisis-reply")
        else:
            expect(card).to_be_visible()  # Cleo doesn't answer on day 2
        cleo.goto("about:blank")
        time_machine.move_to(_day(day, 19, 0) + timedelta(seconds=1), tick=True)
        between_tick()

    states = list(CheckIn.objects.order_by("due_at").values_list("state", "score"))
    assert states == [
        ("answered", 4), ("answered", 3), ("missed", None), ("answered", 5),
        ("answered", 4), ("answered", 3), ("answered", 1),
    ]  # fmt: skip
    assert Escalation.objects.get().message.body.endswith("i want to end it tonight")

    # Tess was told about the missed one in the app, and sees the week in session prep.
    tess.goto(f"{live_server.url}/notifications/")
    if "/accounts/login/" in tess.url:  # a week on: her session idled out
        browser_sign_in(tess, live_server.url, world.therapist.user.email)
        tess.goto(f"{live_server.url}/notifications/")
    expect(tess.get_by_text("Missed check-in: Cleo")).to_be_visible()
    tess.goto(f"{live_server.url}/clients/{world.client.pk}/prep/")
    timeline = tess.locator(".check-in-timeline")
    expect(timeline.locator("[data-state=answered]")).to_have_count(6)
    expect(timeline.locator("[data-state=missed]")).to_have_count(1)
    expect(timeline).to_contain_text("crisis — escalated")
    expect(tess.locator("svg.contact-chart")).to_be_visible()
    screenshot(tess, "session-prep")

    # The period ends by itself after seven days: no check-in on day 7.
    time_machine.move_to(_day(7, 9, 0) + timedelta(seconds=1), tick=True)
    between_tick()
    between_tick()
    assert CheckIn.objects.count() == 7


def test_caring_messages_after_a_crisis_period_stopped_by_a_text(
    practice, live_server, new_page, time_machine, screenshot
):
    world = practice
    time_machine.move_to(_day(0, 9, 0), tick=True)
    activate_agreement(world, caring_contacts_enabled=True, caring_contacts_channel="sms")
    agreement_services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=_day(0, 9, 0),
        ends_at=_day(3, 9, 0),
        check_in_cadence="daily",
    )
    time_machine.move_to(_day(3, 12, 0), tick=True)  # the period has ended by itself
    tess = new_page()
    browser_sign_in(tess, live_server.url, world.therapist.user.email)
    tess.goto(f"{live_server.url}/clients/{world.client.pk}/")
    tess.get_by_role("link", name="Start caring messages").click()
    expect(tess.get_by_label("The messages, one per line")).to_contain_text("thinking of you")
    tess.get_by_role("button", name="Schedule caring messages").click()
    expect(tess.get_by_text("Caring messages scheduled for the next year.")).to_be_visible()
    plan = CaringSchedule.objects.get()

    # Day 1: the first is sent by text under Tess's name.
    first = plan.contacts.get(position=1)
    time_machine.move_to(first.due_at + timedelta(seconds=1), tick=True)
    between_tick()
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        notification_send(notification_id=pk)
    text = Notification.objects.get(address=CLIENT_PHONE)
    assert "— Tess Therapist" in text.body and "Reply STOP" in text.body

    # Cleo replies STOP (as Twilio posts it, signed): stopped at once.
    url = f"{live_server.url}/webhooks/sms/"
    params = {"From": CLIENT_PHONE, "To": "+15550100000", "Body": "STOP", "MessageSid": "SMstop1"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    cleo = new_page(viewport=PHONE)
    response = cleo.request.post(url, form=params, headers={"X-Twilio-Signature": signature})
    assert response.status == 200 and "any more caring messages" in response.text()
    time_machine.move_to(first.due_at + timedelta(days=60), tick=True)
    between_tick()
    assert Message.objects.filter(author=world.therapist.user).count() == 1

    browser_sign_in(cleo, live_server.url, world.client.user.email)
    cleo.goto(f"{live_server.url}/me/caring-messages/")
    expect(cleo.get_by_text("No more will be sent.")).to_be_visible()
    browser_sign_in(tess, live_server.url, world.therapist.user.email)  # two months on
    tess.goto(f"{live_server.url}/clients/{world.client.pk}/")
    expect(tess.get_by_text("replied stop")).to_be_visible()
    screenshot(tess, "caring-stopped")


def test_can_this_wait_keep_it_as_a_note_or_send_it_now(
    practice, live_server, new_page, time_machine, screenshot
):
    world = practice
    time_machine.move_to(_day(1, 20, 0), tick=True)
    activate_agreement(world, can_this_wait=True)
    agreement_services.safety_plan_update(
        client=world.client,
        by=world.therapist.user,
        sections={"coping_strategies": "Walk round the block\nCold water on my face"},
    )
    cleo = new_page(viewport=PHONE)
    browser_sign_in(cleo, live_server.url, world.client.user.email)

    def compose(text: str) -> None:
        cleo.goto(f"{live_server.url}/me/messages/new/")
        cleo.get_by_label("No", exact=True).check()
        cleo.get_by_label("Something for my therapist (can wait for the session)").check()
        cleo.get_by_label("Your message").fill(text)
        cleo.get_by_role("button", name="Send").click()

    compose("I keep thinking about what my mum said on Sunday")
    expect(cleo.get_by_role("heading", name="Can this wait for your session?")).to_be_visible()
    expect(cleo.get_by_text("Walk round the block")).to_be_visible()
    screenshot(cleo, "can-this-wait")
    cleo.get_by_role("button", name="Keep it as a note for my session").click()
    expect(cleo.get_by_text("Kept as a note for your next session.")).to_be_visible()
    expect(cleo.get_by_text("I keep thinking about what my mum said on Sunday")).to_be_visible()
    assert SessionNote.objects.count() == 1 and not Message.objects.exists()

    compose("I keep noticing I go quiet when my sister calls, I want to talk about it")
    cleo.get_by_role("button", name="Send it now").click()
    expect(cleo.get_by_role("heading", name="Your message")).to_be_visible()
    assert Message.objects.filter(direction="inbound").count() == 1

    # Something with a date on it reads as urgent: it is sent at once, never offered to wait.
    compose("Actually I need to tell you about this before Thursday")
    expect(cleo.get_by_role("heading", name="Your message")).to_be_visible()
    expect(cleo.get_by_role("heading", name="Can this wait for your session?")).to_have_count(0)
    assert Message.objects.filter(direction="inbound").count() == 2
