"""A therapist writes and proposes an agreement; the client reads it in plain words and accepts."""

from playwright.sync_api import expect

from agreements.models import ContactAgreement
from tests.factories import browser_sign_in


def test_agreement_written_proposed_accepted_and_active(live_server, world, new_page):
    therapist_page = new_page()
    browser_sign_in(therapist_page, live_server.url, world.therapist.user.email)
    expect(therapist_page.get_by_role("heading", name="Inbox")).to_be_visible()
    therapist_page.get_by_role("link", name="Clients", exact=True).click()
    therapist_page.get_by_role("link", name="Cleo Client").first.click()
    therapist_page.get_by_role("button", name="Write an agreement").click()

    expect(therapist_page.get_by_role("heading", name="Agreement with Cleo Client")).to_be_visible()
    therapist_page.get_by_label("Text message (SMS): Urgent").check()
    therapist_page.get_by_label("Text message (SMS): After hours").check()
    therapist_page.get_by_label("Messages per week that are fine").fill("3")
    therapist_page.get_by_label("In a crisis, the client should…").fill(
        "Call the practice line and say it is an emergency."
    )
    therapist_page.get_by_role("button", name="Save and propose to Cleo Client").click()
    expect(therapist_page.get_by_text("sent to the client to accept")).to_be_visible()
    expect(therapist_page.get_by_text("Proposed to the client").first).to_be_visible()

    client_page = new_page()
    browser_sign_in(client_page, live_server.url, world.client.user.email)
    client_page.get_by_role("link", name="Read and accept").click()
    expect(
        client_page.get_by_role("heading", name="How we'll stay in touch between sessions")
    ).to_be_visible()
    expect(client_page.get_by_text("Up to 3 a week (a crisis never counts).")).to_be_visible()
    expect(
        client_page.get_by_text("Call the practice line and say it is an emergency.")
    ).to_be_visible()
    client_page.get_by_role("button", name="I've read this and I agree").click()
    expect(client_page.get_by_text("This is now how we'll stay in touch")).to_be_visible()

    therapist_page.reload()
    expect(therapist_page.get_by_text("Accepted by Cleo Client")).to_be_visible()
    expect(therapist_page.locator(".badge", has_text="Active")).to_be_visible()
    agreement = ContactAgreement.objects.get(client=world.client)
    assert agreement.status == "active"
    assert agreement.acceptance.accepted_by == world.client.user
