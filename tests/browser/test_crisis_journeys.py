"""Cross-role crisis journeys, end to end in a real browser, as acceptance tests: each step is
what one person sees, and the next person starts from it, so a broken joint between them fails.

SMS is the real Twilio-signed webhook on the live server; the engine is moved by its real tick
and pages leave by the real sender (to the outbox, as in embedded mode), with the clock under
the test's control. The long night journey (a) runs at desktop and phone width; the shorter
ones at phone width, where most clients write from.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from messaging.escalation import lifecycle as engine
from messaging.models import (
    ContactEvent,
    Escalation,
    EventType,
    Message,
    Notification,
    OnCallMember,
    OnCallSchedule,
)
from messaging.notifications.services import notification_send
from tests.factories import PASSWORD, activate_agreement, browser_sign_in

NEW_YORK = ZoneInfo("America/New_York")
AUTH_TOKEN = "twilio-journey-auth-token"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
WIDTHS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]

CLIENT_PHONE = "+15550102001"
THERAPIST_PHONE = "+15550101001"
ON_CALL_PHONE = "+15550101002"
CRISIS_TEXT = "i cant do this anymore. i have the pills here and i want to end it"


@pytest.fixture
def night(live_server, world, settings):
    """The practice as it runs at night: phones on file, Owen on call, SMS signed by Twilio,
    texts and calls kept in the outbox (embedded mode), links pointing at the live server."""
    settings.SITE_URL = live_server.url
    settings.USES_EMBEDDED_SERVICES = True
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    for member, phone in (
        (world.client, CLIENT_PHONE),
        (world.therapist, THERAPIST_PHONE),
        (world.other_therapist, ON_CALL_PHONE),
    ):
        member.user.phone = phone
        member.user.save(update_fields=["phone"])
    schedule = OnCallSchedule.objects.create(
        practice=world.practice,
        name="Nights",
        time_zone="America/New_York",
        handoff_weekday=0,
        handoff_time=time(9),
        rotation_start=date(2026, 11, 2),
    )
    OnCallMember.objects.create(schedule=schedule, membership=world.other_therapist, position=0)
    return world


def text_the_practice(page, base_url: str, body: str, *, sid: str) -> str:
    """The client's text, as Twilio posts it (signed); returns the TwiML the client is sent."""
    url = f"{base_url}/webhooks/sms/"
    params = {"From": CLIENT_PHONE, "To": "+15550100000", "Body": body, "MessageSid": sid}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = page.request.post(url, form=params, headers={"X-Twilio-Signature": signature})
    assert response.status == 200, response.text()
    return response.text()


def send_pending(escalation: Escalation) -> list[Notification]:
    """What the crisis worker does after a step: send each page and client update waiting."""
    return [
        notification_send(notification_id=pk)
        for pk in escalation.notifications.filter(status="pending").values_list("pk", flat=True)
    ]


def sms_page_for(escalation: Escalation, user) -> Notification:
    return escalation.notifications.get(purpose="page", channel="sms", recipient=user)


def sign_in_here(page) -> None:
    """Sign in on the login page the app sent us to (keeps its ``next``)."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def fits_width(page) -> None:
    """Nothing runs off the side of the screen (no sideways scrolling on a phone)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_3am_text_crisis_pages_therapist_then_on_call_who_calls_back(
    night, live_server, new_page, time_machine, screenshot, viewport
):
    world = night
    activate_agreement(world)
    time_machine.move_to(datetime(2026, 11, 24, 3, 0, tzinfo=NEW_YORK), tick=True)

    # The client texts; nothing says it is an emergency. The reply by SMS is crisis help.
    client_page = new_page(viewport=viewport)
    twiml = text_the_practice(client_page, live_server.url, CRISIS_TEXT, sid="SMjourneyA")
    assert "call 911" in twiml and "988" in twiml, twiml
    message = Message.objects.get(client=world.client, direction="inbound")
    assert not message.declared_emergency  # never asked, never said
    assert message.current_decision.category == "crisis"
    escalation = Escalation.objects.get(message=message)

    # The worker's tick: step 1 pages Tess, by text among others.
    engine.escalation_tick()
    assert all(n.status == "sent" for n in send_pending(escalation))
    tess_page = sms_page_for(escalation, world.therapist.user)
    assert tess_page.address == THERAPIST_PHONE
    assert "Cleo" in tess_page.body and "Client" not in tess_page.body
    assert CLIENT_PHONE in tess_page.body and "/ack/" in tess_page.body
    assert "pills" not in tess_page.body

    # Tess sleeps through it; five minutes later Owen, on call, is paged.
    time_machine.shift(timedelta(minutes=5, seconds=1))
    engine.escalation_tick()
    assert all(n.status == "sent" for n in send_pending(escalation))
    owen_page = sms_page_for(escalation, world.other_therapist.user)
    assert owen_page.address == ON_CALL_PHONE and owen_page.body.startswith("CRISIS")
    assert "Cleo" in owen_page.body and CLIENT_PHONE in owen_page.body
    assert "pills" not in owen_page.body and "end it" not in owen_page.body
    client_texts = list(escalation.notifications.filter(channel="sms", address=CLIENT_PHONE))
    assert any("We're contacting Owen Other" in t.body for t in client_texts)
    assert all(t.status == "sent" and "988" in t.body for t in client_texts)
    ack_link = re.search(r"https?://\S+/ack/\S+", owen_page.body).group(0)

    # Owen taps the link on his phone, not signed in, and acknowledges.
    time_machine.shift(timedelta(minutes=2))
    owen = new_page(viewport=viewport)
    owen.goto(ack_link)
    expect(owen.get_by_role("heading", name="Crisis: Cleo Client")).to_be_visible()
    screenshot(owen, "1-ack-link")
    fits_width(owen)
    owen.get_by_role("button", name="Acknowledge — I'm on it").click()
    expect(owen.get_by_role("heading", name="Thank you — paging has stopped")).to_be_visible()
    care = owen.get_by_test_id("care-team-links")
    expect(care.get_by_role("link", name=f"Call {CLIENT_PHONE}")).to_have_attribute(
        "href", f"tel:{CLIENT_PHONE}"
    )
    screenshot(owen, "2-acknowledged")
    fits_width(owen)

    # One tap to the message: sign in, and it opens (he is not Cleo's therapist).
    care.get_by_role("link", name="The message").click()
    owen.get_by_label("Email address").fill(world.other_therapist.user.email)
    sign_in_here(owen)
    expect(owen.get_by_test_id("message-body")).to_contain_text("i have the pills here")
    expect(owen.get_by_test_id("paged-access")).to_be_visible()
    screenshot(owen, "3-message")
    fits_width(owen)

    # Cleo, on her portal, sees who has her message.
    client_page = new_page(viewport=viewport)
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.goto(f"{live_server.url}/me/messages/{message.pk}/")
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_be_visible()
    expect(client_page.get_by_test_id("promise")).to_contain_text(
        "Owen Other has your message and is calling you now."
    )
    expect(client_page.get_by_role("link", name="988").first).to_be_visible()
    screenshot(client_page, "4-client-status")
    fits_width(client_page)

    # Owen calls from the escalation page (a tel: link) and records what happened.
    owen.get_by_test_id("paged-access").get_by_role("link").click()
    expect(owen.get_by_test_id("escalation-state")).to_have_text("Acknowledged")
    call = owen.get_by_role("link", name=f"Call {CLIENT_PHONE}")
    expect(call).to_have_attribute("href", f"tel:{CLIENT_PHONE}")
    expect(call).to_be_in_viewport()  # no scrolling past the timeline to find it
    time_machine.shift(timedelta(minutes=20))
    owen.get_by_label("I have spoken with the client").check()
    owen.get_by_label("Safety confirmed").check()
    owen.get_by_label("Note").fill("Spoke for 20 minutes; pills handed to her sister.")
    owen.get_by_role("button", name="Save outcome").click()
    expect(owen.get_by_text("Outcome recorded.")).to_be_visible()
    expect(owen.get_by_test_id("escalation-state")).to_have_text("Resolved")
    expect(owen.get_by_test_id("timeline")).to_contain_text("Owen Other acknowledged (link)")
    screenshot(owen, "5-outcome")
    fits_width(owen)

    # Nobody else is paged once Owen has it.
    time_machine.shift(timedelta(minutes=30))
    engine.escalation_tick()
    assert not escalation.notifications.filter(purpose="page", step_index=2).exists()

    # In the morning the admin sees the night on the dashboard and in the escalation list.
    time_machine.move_to(datetime(2026, 11, 24, 9, 10, tzinfo=NEW_YORK), tick=True)
    admin = new_page(viewport=viewport)
    browser_sign_in(admin, live_server.url, world.admin.user.email)
    admin.goto(f"{live_server.url}/practice/oversight/")
    row = admin.locator("#latest-escalations tbody tr", has_text="Cleo Client")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Crisis")
    expect(row).to_contain_text("Tue 24 Nov 03:00")
    expect(row).not_to_contain_text("pills")
    screenshot(admin, "6-oversight")
    fits_width(admin)
    row.get_by_role("link").click()
    expect(admin.get_by_test_id("escalation-state")).to_have_text("Resolved")
    expect(admin.get_by_text("Safety confirmed", exact=True)).to_be_visible()
    admin.goto(f"{live_server.url}/escalations/")
    expect(admin.locator("tr", has_text="Cleo Client")).to_contain_text("Owen Other after")
    assert ContactEvent.objects.filter(
        event_type=EventType.ESCALATION_OUTCOME, client=world.client
    ).exists()
