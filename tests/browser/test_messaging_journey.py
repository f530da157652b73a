"""A client writes after hours and is told when to expect a reply; the therapist answers in the
morning; a crisis message shows the client their safety plan and crisis numbers at once."""

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from agreements import services
from messaging.models import Message
from tests.factories import browser_sign_in

NEW_YORK = ZoneInfo("America/New_York")


def test_after_hours_message_reply_next_morning_and_crisis_help(
    live_server, world, new_page, time_machine
):
    time_machine.move_to(datetime(2026, 11, 24, 21, 30, tzinfo=NEW_YORK), tick=True)
    therapist = world.therapist.user
    draft = services.agreement_start_draft(client=world.client, by=therapist)
    services.agreement_update_draft(
        agreement=draft,
        by=therapist,
        terms={"hold_clinical_for_session": False},
        channel_rules={
            "portal": dict(
                enabled=True,
                allow_logistics=True,
                allow_clinical=True,
                allow_urgent=True,
                after_hours_allowed=True,
            )
        },
        response_windows={"logistics": services.WindowTerms(4, "hours")},
    )
    services.agreement_propose(agreement=draft, by=therapist)
    services.agreement_accept(agreement=draft, by=world.client.user)
    services.safety_plan_update(
        client=world.client,
        by=therapist,
        sections={"people_to_ask": "My sister Dana, 555-0142", "coping_strategies": "Walk Biscuit"},
    )

    client_page = new_page()
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.get_by_role("link", name="Messages").click()
    client_page.get_by_role("link", name="New message").click()
    client_page.get_by_label("No", exact=True).check()
    client_page.get_by_label("Scheduling, billing or forms").check()
    client_page.get_by_label("Your message").fill("Could we move next week's session to Thursday?")
    client_page.get_by_role("button", name="Send").click()
    reply = client_page.get_by_test_id("auto-reply")
    # Tuesday 21:30 is after hours; 4 business hours from Wednesday 09:00 is 13:00.
    expect(reply).to_contain_text("Expect a reply tomorrow by 13:00.")

    time_machine.move_to(datetime(2026, 11, 25, 9, 5, tzinfo=NEW_YORK), tick=True)
    therapist_page = new_page()
    browser_sign_in(therapist_page, live_server.url, world.therapist.user.email)
    expect(therapist_page.get_by_role("heading", name="Inbox")).to_be_visible()
    therapist_page.get_by_role("link", name="Cleo Client").first.click()
    expect(therapist_page.get_by_test_id("message-body")).to_contain_text("move next week")
    therapist_page.get_by_label("Reply").fill("Thursday at 4pm works. See you then.")
    therapist_page.get_by_role("button", name="Send reply").click()
    expect(therapist_page.get_by_text("Reply sent")).to_be_visible()

    # The night's session idled out: the client signs in again in the morning.
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.goto(f"{live_server.url}/me/messages/")
    expect(client_page.get_by_text("Thursday at 4pm works. See you then.")).to_be_visible()
    expect(client_page.locator(".badge", has_text="Replied")).to_be_visible()

    client_page.get_by_role("link", name="New message").click()
    client_page.get_by_label("Yes — I need help now").check()
    client_page.get_by_label("Something for my therapist").check()
    client_page.get_by_label("Your message").fill("I can't keep myself safe tonight")
    client_page.get_by_role("button", name="Send").click()
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_be_visible()
    expect(client_page.get_by_text("My sister Dana, 555-0142", exact=True)).to_be_visible()
    expect(client_page.get_by_role("link", name="988").first).to_be_visible()
    crisis = Message.objects.filter(client=world.client, direction="inbound").latest("id")
    assert crisis.current_decision.disposition == "escalate"
