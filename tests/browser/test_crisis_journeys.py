"""Cross-role crisis journeys, end to end in a real browser, as acceptance tests: each step is
what one person sees, and the next person starts from it, so a broken joint between them fails.

SMS is the real Twilio-signed webhook on the live server; the engine is moved by its real tick
and pages leave by the real sender (to the outbox, as in embedded mode), with the clock under
the test's control. The long night journey (a) runs at desktop and phone width; the shorter
ones at phone width, where most clients write from.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from agreements import services as agreement_services
from messaging.escalation import lifecycle as engine
from messaging.models import (
    ContactEvent,
    Escalation,
    EventType,
    Message,
    Notification,
)
from messaging.notifications.services import notification_send
from tests.factories import (
    PASSWORD,
    activate_agreement,
    browser_second_factor,
    browser_sign_in,
    on_call_weekly,
)

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
    on_call_weekly(world, "Nights")
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


def sign_in_here(page, email: str) -> None:
    """Sign in on the login page the app sent us to (keeps its ``next``), then the second
    factor."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    browser_second_factor(page, email)


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
    sign_in_here(owen, world.other_therapist.user.email)
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


def test_b_one_tap_help_now_with_no_text(night, live_server, new_page, time_machine, screenshot):
    world = night
    activate_agreement(world)
    time_machine.move_to(datetime(2026, 11, 24, 23, 45, tzinfo=NEW_YORK), tick=True)
    client_page = new_page(viewport=PHONE)
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.goto(f"{live_server.url}/me/messages/")
    # The button in the phone's header, visible without opening the menu; no typing at all.
    help_now = client_page.get_by_role("button", name="I need help now").filter(visible=True)
    expect(help_now).to_have_count(1)
    expect(help_now).to_be_in_viewport()
    help_now.click()

    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_be_visible()
    expect(client_page.get_by_test_id("promise")).to_contain_text(
        "We're contacting Tess Therapist now."
    )
    for number in ("911", "988"):
        expect(client_page.get_by_role("link", name=number, exact=True).first).to_have_attribute(
            "href", f"tel:{number}"
        )
    screenshot(client_page, "crisis-screen")
    fits_width(client_page)

    message = Message.objects.get(client=world.client, direction="inbound")
    assert message.declared_emergency is True
    escalation = Escalation.objects.get(message=message)
    engine.escalation_tick()
    assert all(n.status == "sent" for n in send_pending(escalation))
    tess_page = sms_page_for(escalation, world.therapist.user)
    assert tess_page.body.startswith("CRISIS") and CLIENT_PHONE in tess_page.body
    assert "/ack/" in tess_page.body


def test_c_declared_urgent_at_night_is_urgent_never_the_crisis_screen(
    night, live_server, new_page, time_machine, screenshot
):
    world = night
    therapist = world.therapist.user
    draft = agreement_services.agreement_start_draft(client=world.client, by=therapist)
    agreement_services.agreement_update_draft(
        agreement=draft,
        by=therapist,
        terms={},
        channel_rules={
            "portal": dict(
                enabled=True,
                allow_logistics=True,
                allow_clinical=True,
                allow_urgent=True,
                after_hours_allowed=True,
            )
        },
        response_windows={},
    )
    agreement_services.agreement_propose(agreement=draft, by=therapist)
    agreement_services.agreement_accept(agreement=draft, by=world.client.user)
    time_machine.move_to(datetime(2026, 11, 24, 22, 15, tzinfo=NEW_YORK), tick=True)

    client_page = new_page(viewport=PHONE)
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.goto(f"{live_server.url}/me/messages/new/")
    client_page.get_by_label("No", exact=True).check()
    client_page.get_by_label("Urgent — I need my therapist before the next session").check()
    client_page.get_by_label("Your message").fill(
        "My pharmacy says my prescription was cancelled and I have none left for tomorrow."
    )
    client_page.get_by_role("button", name="Send").click()
    expect(
        client_page.get_by_role("heading", name="Urgent: a clinician will call you back")
    ).to_be_visible()
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_have_count(0)
    expect(client_page.get_by_test_id("promise")).to_contain_text("Tess Therapist")
    screenshot(client_page, "urgent")
    fits_width(client_page)

    message = Message.objects.get(client=world.client, direction="inbound")
    assert message.current_decision.category == "urgent"
    assert message.current_decision.disposition == "escalate"
    escalation = Escalation.objects.get(message=message)
    engine.escalation_tick()
    assert all(n.status == "sent" for n in send_pending(escalation))
    tess_page = sms_page_for(escalation, therapist)
    assert tess_page.body.startswith("URGENT") and "CRISIS" not in tess_page.body
    assert CLIENT_PHONE in tess_page.body and "prescription" not in tess_page.body

    # Tess opens her page's link and sees an urgent call back, not a crisis.
    link = re.search(r"https?://\S+/ack/\S+", tess_page.body).group(0)
    tess = new_page(viewport=PHONE)
    tess.goto(link)
    expect(tess.get_by_role("heading", level=1)).to_have_text("Urgent call back: Cleo Client")
    screenshot(tess, "urgent-ack-link")
    fits_width(tess)
    tess.get_by_role("button", name="Acknowledge — I'm on it").click()
    expect(tess.get_by_role("heading", name="Thank you — paging has stopped")).to_be_visible()
    tess.get_by_role("link", name="Open the escalation").click()
    sign_in_here(tess, therapist.email)
    expect(tess.get_by_role("heading", level=1)).to_contain_text("Urgent escalation — Cleo Client")
    expect(tess.get_by_role("heading", level=1)).not_to_contain_text("Crisis")


def test_d_client_with_no_agreement_is_still_answered(
    night, live_server, new_page, time_machine, screenshot
):
    world = night
    time_machine.move_to(datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK), tick=True)
    client_page = new_page(viewport=PHONE)
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.goto(f"{live_server.url}/me/messages/new/")
    client_page.get_by_label("No", exact=True).check()
    client_page.get_by_label("Scheduling, billing or forms").check()
    client_page.get_by_label("Your message").fill("Can I get a receipt for October?")
    client_page.get_by_role("button", name="Send").click()
    expect(client_page.get_by_test_id("auto-reply")).to_contain_text("Expect a reply")
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_have_count(0)
    screenshot(client_page, "routine")
    fits_width(client_page)

    # Later that night a crisis by text: crisis help by SMS at once, and it escalates.
    time_machine.shift(timedelta(hours=3))
    # Three hours idle signed them out: they sign in again to look.
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    twiml = text_the_practice(client_page, live_server.url, CRISIS_TEXT, sid="SMjourneyD")
    assert "call 911" in twiml and "988" in twiml, twiml
    crisis = Message.objects.filter(client=world.client, direction="inbound").latest("id")
    assert crisis.current_decision.disposition == "escalate"
    assert crisis.current_decision.agreement_version is None
    escalation = Escalation.objects.get(message=crisis)
    engine.escalation_tick()
    assert all(n.status == "sent" for n in send_pending(escalation))
    assert sms_page_for(escalation, world.therapist.user).body.startswith("CRISIS")

    client_page.goto(f"{live_server.url}/me/messages/{crisis.pk}/")
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_be_visible()
    expect(client_page.get_by_test_id("promise")).to_contain_text("Tess Therapist")
    expect(client_page.get_by_role("link", name="988").first).to_be_visible()
    screenshot(client_page, "crisis")
    fits_width(client_page)


def test_e_held_message_raised_with_this_cant_wait(
    night, live_server, new_page, time_machine, screenshot
):
    world = night
    activate_agreement(world, hold_clinical_for_session=True)
    time_machine.move_to(datetime(2026, 11, 24, 10, 30, tzinfo=NEW_YORK), tick=True)
    client_page = new_page(viewport=PHONE)
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.goto(f"{live_server.url}/me/messages/new/")
    client_page.get_by_label("No", exact=True).check()
    client_page.get_by_label("Something for my therapist").check()
    client_page.get_by_label("Your message").fill(
        "I keep thinking about what my dad said at dinner and I want to talk it through."
    )
    client_page.get_by_role("button", name="Send").click()
    held_reply = client_page.get_by_test_id("auto-reply")
    expect(held_reply).to_have_count(1)
    expect(held_reply).to_contain_text("session")
    screenshot(client_page, "held")
    message = Message.objects.get(client=world.client, direction="inbound")
    assert message.current_decision.disposition == "hold_for_session"

    client_page.get_by_role("button", name="This can't wait").click()
    expect(client_page.get_by_test_id("raised")).to_contain_text("it's treated as urgent")
    replies = client_page.get_by_test_id("auto-reply")
    expect(replies).to_have_count(2)
    expect(replies.last).to_contain_text(
        "You told us this can't wait, so it's now treated as urgent."
    )
    expect(replies.last).to_contain_text("Tess Therapist has your message. Expect a reply today")
    expect(replies.last).not_to_contain_text("session")
    expect(client_page.get_by_role("button", name="This can't wait")).to_have_count(0)
    expect(client_page.get_by_role("heading", name="We're getting you help now")).to_have_count(0)
    screenshot(client_page, "raised")
    fits_width(client_page)

    message.refresh_from_db()
    assert message.current_decision.category == "urgent"
    assert message.current_decision.disposition == "deliver"
    assert ContactEvent.objects.filter(
        event_type=EventType.MESSAGE_RAISED, message=message
    ).exists()

    # Tess sees it in her inbox as urgent now.
    tess = new_page(viewport=PHONE)
    browser_sign_in(tess, live_server.url, world.therapist.user.email)
    tess.goto(f"{live_server.url}/messages/{message.pk}/")
    expect(tess.get_by_test_id("message-body")).to_contain_text("what my dad said")
    expect(tess.locator("h1 .badge").first).to_have_text("Urgent")
