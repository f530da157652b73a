"""A crisis at night: the therapist is paged, nobody answers, the on-call clinician is paged and
acknowledges by the link in their text; the timeline shows it and the client saw each update.

The engine's tick is what a Celery worker runs every second; here the test runs it, with the
clock under its control, so the five-minute wait takes no time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from messaging.escalation import lifecycle as engine
from messaging.models import Escalation
from tests.factories import browser_sign_in, on_call_weekly

NEW_YORK = ZoneInfo("America/New_York")


def test_crisis_at_night_pages_therapist_then_on_call_who_acknowledges_by_link(
    live_server, world, new_page, time_machine, settings
):
    settings.SITE_URL = live_server.url
    settings.USES_EMBEDDED_SERVICES = True  # texts and calls land in the outbox
    time_machine.move_to(datetime(2026, 11, 24, 2, 10, tzinfo=NEW_YORK), tick=True)
    for member, phone in (
        (world.therapist, "+15550101001"),
        (world.other_therapist, "+15550101002"),
    ):
        member.user.phone = phone
        member.user.save(update_fields=["phone"])
    on_call_weekly(world, "Nights")

    client_page = new_page()
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.get_by_role("link", name="Messages").click()
    client_page.get_by_role("link", name="New message").click()
    client_page.get_by_label("Yes — I need help now").check()
    client_page.get_by_label("Something for my therapist").check()
    client_page.get_by_label("Your message").fill(
        "I can't stay safe tonight. I have the pills here."
    )
    client_page.get_by_role("button", name="Send").click()
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_be_visible()
    escalation = Escalation.objects.get(client=world.client)

    engine.escalation_tick()  # the worker's tick: step 1 pages the therapist
    therapist_page = new_page()
    browser_sign_in(therapist_page, live_server.url, world.therapist.user.email)
    therapist_page.goto(f"{live_server.url}/outbox/")
    expect(therapist_page.get_by_text("Crisis: Cleo needs a clinician now").first).to_be_visible()

    time_machine.shift(timedelta(minutes=5))  # nobody acknowledged
    engine.escalation_tick()  # step 2 pages whoever is on call

    on_call_page = new_page()
    browser_sign_in(on_call_page, live_server.url, world.other_therapist.user.email)
    on_call_page.goto(f"{live_server.url}/outbox/")
    sms_row = on_call_page.locator("tr", has_text="Owen Other").filter(has_text="Text message")
    ack_link = sms_row.locator("a[href*='/ack/']").first
    ack_link.click()
    on_call_page.get_by_role("button", name="Acknowledge — I'm on it").click()
    expect(
        on_call_page.get_by_role("heading", name="Thank you — paging has stopped")
    ).to_be_visible()
    on_call_page.get_by_role("link", name="Open the escalation").click()
    expect(on_call_page.get_by_test_id("escalation-state")).to_have_text("Acknowledged")
    timeline = on_call_page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Escalation acknowledged")
    expect(timeline).to_contain_text("Owen Other acknowledged (link)")
    expect(timeline).to_contain_text("Step 2 (round 1): paged Owen Other")

    client_page.reload()
    # The updates follow the chain, and the status at the top says who is calling now.
    replies = client_page.get_by_test_id("auto-reply")
    expect(replies.filter(has_text="We're contacting Tess Therapist now.")).to_have_count(2)
    expect(
        replies.filter(has_text="We're contacting Owen Other (the on-call clinician) now.")
    ).to_have_count(1)
    expect(client_page.get_by_test_id("promise")).to_contain_text(
        "Owen Other has your message and is calling you now."
    )

    time_machine.shift(timedelta(minutes=30))
    engine.escalation_tick()
    escalation.refresh_from_db()
    assert escalation.state == "acknowledged" and escalation.acknowledged_via == "link"
    assert not escalation.notifications.filter(step_index=2).exists(), "paging stopped at the ack"
