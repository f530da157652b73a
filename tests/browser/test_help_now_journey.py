"""One tap, no typing: a client presses "I need help now" in the header of any page and lands
on crisis help, told who is being contacted; the therapist is paged."""

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from messaging.escalation import lifecycle
from messaging.models import Message, Notification
from tests.factories import browser_sign_in

NEW_YORK = ZoneInfo("America/New_York")


def test_one_tap_help_now_from_any_page(live_server, world, new_page, time_machine):
    time_machine.move_to(datetime(2026, 11, 24, 23, 30, tzinfo=NEW_YORK), tick=True)
    page = new_page()
    browser_sign_in(page, live_server.url, world.client.user.email)
    page.goto(f"{live_server.url}/me/messages/")
    page.get_by_role("button", name="I need help now").first.click()
    expect(page.get_by_role("heading", name="We're getting you help now")).to_be_visible()
    expect(page.get_by_test_id("promise")).to_contain_text("We're contacting Tess Therapist now.")
    expect(page.get_by_role("link", name="988").first).to_be_visible()
    message = Message.objects.get(client=world.client, direction="inbound")
    assert message.declared_emergency is True
    lifecycle.escalation_tick()
    pages = Notification.objects.filter(purpose="page", recipient=world.therapist.user)
    assert pages and all(p.body.startswith("CRISIS at Harbour Therapy:") for p in pages)
