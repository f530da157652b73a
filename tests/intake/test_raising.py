""" "This can't wait": a client raises a held or delivered message from the portal, by SMS or
by email; it is triaged again as urgent (never lower), logged, and answered at once.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from messaging.escalation.acks import page_for_sms_ack
from messaging.intake import raising
from messaging.intake.selectors import message_is_raisable
from messaging.models import (
    ContactEvent,
    EnvelopeStatus,
    EventType,
    InboundEnvelope,
    Message,
    Notification,
    TriageDecision,
)
from tests.factories import (
    NEW_YORK,
    TUESDAY_10AM,
    activate_agreement,
    receive,
    sign_in_user,
)

AUTH_TOKEN = "twilio-test-auth-token"
EMAIL_SECRET = "email-webhook-test-secret"
CLIENT_PHONE = "+15550102030"
THERAPY_CONTENT = "I keep thinking about what you said about my mother"
RAISED_LINE = "You told us this can't wait, so it's now treated as urgent."


@pytest.fixture(autouse=True)
def _provider_secrets(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.EMAIL_WEBHOOK_SECRET = EMAIL_SECRET
    settings.TWILIO_WEBHOOK_BASE_URL = ""


@pytest.fixture
def agreed(world, time_machine):
    """Tuesday 10:00 in New York, an active agreement (therapy content held for the session)."""
    time_machine.move_to(TUESDAY_10AM, tick=False)
    world.client.user.phone = CLIENT_PHONE
    world.client.user.save(update_fields=["phone"])
    activate_agreement(world, hold_clinical_for_session=True)
    return world


def signed_sms(client, body, *, sid, sender="+1 (555) 010-2030"):
    params = {"From": sender, "To": "+15550009000", "Body": body, "MessageSid": sid}
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def post_email(client, text, *, message_id, subject="Re: Message from Harbour Therapy"):
    payload = {
        "from": "client@harbour.test",
        "to": "messages@harbour.test",
        "subject": subject,
        "text": text,
        "message_id": message_id,
    }
    return client.post(
        reverse("email_inbound"),
        json.dumps(payload),
        content_type="application/json",
        HTTP_X_WEBHOOK_SECRET=EMAIL_SECRET,
    )


def raised_events(message):
    return ContactEvent.objects.filter(message=message, event_type=EventType.MESSAGE_RAISED)


def auto_replies(message):
    return list(message.replies.filter(is_automatic=True).order_by("id"))


# -- every held or delivered auto-reply says how ----------------------------------------------


@pytest.mark.parametrize(
    ("channel", "body", "disposition", "line"),
    [
        ("portal", THERAPY_CONTENT, "hold_for_session", 'press "This can\'t wait"'),
        ("portal", "Can we move Tuesday to 3pm?", "deliver", 'press "This can\'t wait"'),
        ("sms", THERAPY_CONTENT, "hold_for_session", "reply URGENT"),
        ("sms", "Can we move Tuesday to 3pm?", "deliver", "reply URGENT"),
        ("email", "Could you resend the invoice?", "deliver", "reply URGENT"),
    ],
)
def test_held_and_delivered_auto_replies_say_how_to_raise(agreed, channel, body, disposition, line):
    received = receive(agreed, body, channel=channel)
    assert received.decision.disposition == disposition
    assert f"If this can't wait, {line}" in received.auto_reply.body


def test_a_crisis_reply_offers_no_raise(agreed):
    received = receive(agreed, "I took all my pills", declared_emergency=True)
    assert "can't wait" not in received.auto_reply.body


# -- the portal button ------------------------------------------------------------------------


def test_the_button_raises_a_held_message_and_says_what_happens_now(client, agreed, time_machine):
    held = receive(agreed, THERAPY_CONTENT).message
    detail = reverse("client_message_detail", args=[held.pk])
    sign_in_user(client, agreed.client.user)
    page = client.get(detail).content.decode()
    assert 'data-testid="raise"' in page and "csrfmiddlewaretoken" in page
    assert f'action="{reverse("client_message_raise", args=[held.pk])}"' in page

    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=30), tick=False)
    sign_in_user(client, agreed.client.user)  # 30 minutes idle signed them out
    response = client.post(reverse("client_message_raise", args=[held.pk]))
    assert response.status_code == 302 and response["Location"] == detail

    held.refresh_from_db()
    decision = held.current_decision
    assert (decision.category, decision.disposition) == ("urgent", "deliver")
    assert held.status == "delivered"
    assert decision.previous.disposition == "hold_for_session"  # the old one kept beside it
    assert decision.decided_by == agreed.client.user
    assert decision.rules[0]["code"] == "client_raised"
    # Four business hours from 10:30.
    assert decision.response_due_at.astimezone(NEW_YORK).hour == 14
    (event,) = raised_events(held)
    assert event.actor == agreed.client.user and event.client == agreed.client
    assert event.details["via"] == "portal"
    assert (event.details["from"], event.details["to"]) == ("clinical", "urgent")
    answer = auto_replies(held)[-1]
    assert answer.body.splitlines()[:2] == [
        RAISED_LINE,
        "Thanks, Cleo — Tess Therapist has your message. Expect a reply today by 14:30.",
    ]
    page = client.get(detail).content.decode()
    assert 'data-testid="raise"' not in page and 'data-testid="raised"' in page


def test_a_double_tap_is_one_raise(client, agreed):
    held = receive(agreed, THERAPY_CONTENT).message
    sign_in_user(client, agreed.client.user)
    url = reverse("client_message_raise", args=[held.pk])
    for _ in range(2):
        assert client.post(url).status_code == 302
    assert raised_events(held).count() == 1
    assert TriageDecision.objects.filter(message=held).count() == 2
    assert len(auto_replies(held)) == 2  # the first auto-reply and the raise's answer


def test_the_button_needs_the_csrf_token(agreed):
    held = receive(agreed, THERAPY_CONTENT).message
    browser = Client(enforce_csrf_checks=True)
    sign_in_user(browser, agreed.client.user)
    response = browser.post(reverse("client_message_raise", args=[held.pk]))
    assert response.status_code == 403
    assert not raised_events(held).exists()


def test_only_the_messages_own_client_may_raise_it(client, agreed):
    held = receive(agreed, THERAPY_CONTENT).message
    url = reverse("client_message_raise", args=[held.pk])
    for member, status in ((agreed.other_client, 404), (agreed.therapist, 403)):
        sign_in_user(client, member.user)
        assert client.post(url).status_code == status
    sign_in_user(client, agreed.client.user)
    assert client.get(url).status_code == 405
    assert not raised_events(held).exists()


def test_an_escalated_crisis_has_no_button_and_is_never_lowered(client, agreed):
    crisis = receive(agreed, "I took all my pills", declared_emergency=True).message
    sign_in_user(client, agreed.client.user)
    page = client.get(reverse("client_message_detail", args=[crisis.pk])).content.decode()
    assert 'data-testid="raise"' not in page
    response = client.post(reverse("client_message_raise", args=[crisis.pk]), follow=True)
    assert "already has an answer or is with the on-call team" in response.content.decode()
    crisis.refresh_from_db()
    assert (crisis.current_decision.category, crisis.current_decision.disposition) == (
        "crisis",
        "escalate",
    )
    assert not raised_events(crisis).exists()
    with pytest.raises(ValueError):
        raising.message_raise(message=crisis, by=agreed.client, via="portal")


def test_a_sooner_due_time_is_never_pushed_later(agreed, time_machine):
    urgent = receive(agreed, "Can we move Tuesday to 3pm?", declared_purpose="urgent").message
    due = urgent.current_decision.response_due_at
    time_machine.move_to(TUESDAY_10AM + timedelta(hours=3), tick=False)
    raised = raising.message_raise(message=urgent, by=agreed.client, via="portal")
    assert raised.decision.category == "urgent"
    assert raised.decision.response_due_at == due


def test_after_hours_where_urgent_goes_on_call_it_escalates(client, world, time_machine):
    from agreements import services
    from messaging.models import Escalation

    time_machine.move_to(TUESDAY_10AM, tick=False)
    world.client.user.phone = CLIENT_PHONE
    world.client.user.save(update_fields=["phone"])
    therapist = world.therapist.user
    draft = services.agreement_start_draft(client=world.client, by=therapist)
    services.agreement_update_draft(
        agreement=draft,
        by=therapist,
        terms={"hold_clinical_for_session": True},
        channel_rules={
            "sms": {
                "enabled": True,
                "allow_logistics": True,
                "allow_urgent": True,
                "after_hours_allowed": True,
            }
        },
        response_windows={},
    )
    services.agreement_propose(agreement=draft, by=therapist)
    services.agreement_accept(agreement=draft, by=world.client.user)
    signed_sms(client, "Can we move Tuesday to 3pm?", sid="SM40")
    delivered = Message.objects.get(provider_message_id="SM40")
    assert delivered.current_decision.disposition == "deliver"

    time_machine.move_to(TUESDAY_10AM.replace(hour=21), tick=False)
    response = signed_sms(client, "URGENT", sid="SM41")
    delivered.refresh_from_db()
    assert delivered.current_decision.disposition == "escalate"
    assert delivered.status == "escalated"
    assert Escalation.objects.filter(message=delivered).exists()
    answer = response.content.decode()
    assert "Your message is urgent. We've asked" in answer
    assert "to call you back now." in answer


# -- by SMS -----------------------------------------------------------------------------------


def test_replying_urgent_by_sms_raises_the_latest_message(client, agreed, time_machine):
    signed_sms(client, THERAPY_CONTENT, sid="SM1")
    held = Message.objects.get(provider_message_id="SM1")
    assert held.current_decision.disposition == "hold_for_session"
    assert "If this can't wait, reply URGENT." in auto_replies(held)[0].body
    inbound_before = Message.objects.filter(direction="inbound").count()

    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=5), tick=False)
    response = signed_sms(client, "  urgent! ", sid="SM2")
    assert response.status_code == 200
    assert RAISED_LINE in response.content.decode()
    held.refresh_from_db()
    assert (held.current_decision.category, held.current_decision.disposition) == (
        "urgent",
        "deliver",
    )
    assert Message.objects.filter(direction="inbound").count() == inbound_before
    (event,) = raised_events(held)
    assert event.details["via"] == "sms"
    envelope = InboundEnvelope.objects.order_by("-id").first()
    assert (envelope.status, envelope.message) == (EnvelopeStatus.PROCESSED, held)

    again = signed_sms(client, "URGENT", sid="SM3")  # a second text is the same raise
    assert RAISED_LINE in again.content.decode()
    assert raised_events(held).count() == 1


def test_urgent_with_nothing_to_raise_is_a_message_declared_urgent(client, agreed):
    response = signed_sms(client, "URGENT", sid="SM10")
    assert response.status_code == 200
    message = Message.objects.get(provider_message_id="SM10")
    assert message.declared_purpose == "urgent"
    assert message.current_decision.category == "urgent"
    assert message.current_decision.disposition != "hold_for_session"


def test_urgent_in_a_longer_text_is_an_ordinary_message(client, agreed):
    signed_sms(client, THERAPY_CONTENT, sid="SM20")
    signed_sms(client, "urgent: can we talk before Tuesday?", sid="SM21")
    assert Message.objects.filter(provider_message_id="SM21").exists()
    assert not raised_events(Message.objects.get(provider_message_id="SM20")).exists()


def test_the_keyword_is_never_taken_for_an_acknowledgement_code(agreed):
    # Staff acknowledge pages with a four-digit code; the keyword has no digits.
    assert page_for_sms_ack(phone=CLIENT_PHONE, body="URGENT") is None
    assert raising.is_raise_keyword("Urgent.") and not raising.is_raise_keyword("ACK 1234")


def test_an_sms_keyword_raises_only_that_channels_latest_message(client, agreed):
    portal = receive(agreed, THERAPY_CONTENT).message
    signed_sms(client, "URGENT", sid="SM30")
    assert not raised_events(portal).exists()
    assert message_is_raisable(Message.objects.get(pk=portal.pk))


# -- by email ---------------------------------------------------------------------------------


def test_replying_urgent_by_email_raises_the_latest_email(client, agreed, time_machine):
    first = post_email(client, "Could you resend the invoice?", message_id="<m1@mail>")
    delivered = Message.objects.get(pk=first.json()["message"])
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=5), tick=False)
    quoted = "URGENT\n\nOn Tue, Harbour Therapy wrote:\n> If this can't wait, reply URGENT."
    response = post_email(client, quoted, message_id="<m2@mail>")
    assert response.status_code == 200
    data = response.json()
    assert data["raised"] is True and data["message"] == delivered.pk
    assert (data["category"], data["disposition"]) == ("urgent", "deliver")
    answer = auto_replies(delivered)[-1]
    assert answer.body.startswith(RAISED_LINE)
    # The answer leaves by email, like every auto-reply to an email.
    assert Notification.objects.filter(message=answer, channel="email").exists()
    assert raised_events(delivered).count() == 1

    again = post_email(client, "urgent", message_id="<m3@mail>")
    assert again.json()["duplicate"] is True
    assert raised_events(delivered).count() == 1


def test_an_email_that_only_quotes_the_keyword_is_a_message(client, agreed):
    post_email(client, "Could you resend the invoice?", message_id="<m10@mail>")
    quoted = "Thanks, and one more form question.\n\n> If this can't wait, reply URGENT."
    response = post_email(client, quoted, message_id="<m11@mail>")
    assert response.status_code == 201
    assert not ContactEvent.objects.filter(event_type=EventType.MESSAGE_RAISED).exists()
