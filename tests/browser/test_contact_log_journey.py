"""An admin reviews last night's crisis: filters the log, opens the escalation timeline,
exports the CSV, opens the body with a break-glass reason and sees that access recorded."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from messaging.escalation import lifecycle as engine
from messaging.intake.services import message_receive
from messaging.models import ContactEvent, EventType
from tests.factories import browser_sign_in, on_call_weekly

NEW_YORK = ZoneInfo("America/New_York")


def test_admin_reviews_last_nights_crisis(live_server, world, new_page, time_machine, tmp_path):
    on_call_weekly(world, "Nights")
    last_night = datetime(2026, 11, 23, 23, 40, tzinfo=NEW_YORK)
    time_machine.move_to(last_night - timedelta(hours=14), tick=False)
    message_receive(
        practice=world.practice,
        channel="portal",
        body="can we move thursday to 4?",
        sender=world.client,
        declared_purpose="logistics",
        declared_emergency=False,
    )
    time_machine.move_to(last_night, tick=False)
    crisis = message_receive(
        practice=world.practice,
        channel="sms",
        body="i cant do this anymore. the pills are on the table",
        sender=world.client,
    ).message
    engine.escalation_tick()
    time_machine.shift(timedelta(minutes=3))
    engine.escalation_acknowledge(
        escalation_id=crisis.escalation.pk, by=world.therapist.user, via="in_app"
    )
    time_machine.move_to(datetime(2026, 11, 24, 9, 15, tzinfo=NEW_YORK), tick=True)

    page = new_page()
    browser_sign_in(page, live_server.url, world.admin.user.email)
    page.get_by_role("link", name="Contact log").click()
    page.get_by_label("Category").select_option("crisis")
    page.get_by_label("From").fill("2026-11-23")
    page.get_by_label("To (inclusive)").fill("2026-11-23")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_test_id("log-table")
    expect(table).to_contain_text("Escalation acknowledged")
    expect(table).not_to_contain_text("can we move thursday")  # bodies never in the log
    expect(table).not_to_contain_text("Scheduling and admin")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / "log.csv"
    download_info.value.save_as(saved)
    exported = saved.read_text()
    assert "Escalation acknowledged" in exported and "the pills" not in exported

    page.get_by_role("link", name="Timeline").first.click()
    expect(page.get_by_test_id("escalation-state")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("timeline")).to_contain_text("Tess Therapist acknowledged")

    page.go_back()
    received_row = page.get_by_test_id("log-table").locator("tr", has_text="Message received")
    received_row.get_by_role("link", name="Message").click()
    expect(page.get_by_text("the pills are on the table")).to_have_count(0)
    page.get_by_label("Why do you need to read this message?").fill(
        "Safety review of last night's crisis call"
    )
    page.get_by_role("button", name="Open with this reason").click()
    expect(page.get_by_test_id("break-glass-body")).to_contain_text("the pills are on the table")

    page.get_by_role("link", name="Back to the log").click()
    page.get_by_label("Event").select_option("message.break_glass")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("log-table")).to_contain_text(
        "opened a message body: Safety review of last night's crisis call"
    )
    assert ContactEvent.objects.filter(event_type=EventType.BODY_BREAK_GLASS).count() == 1
