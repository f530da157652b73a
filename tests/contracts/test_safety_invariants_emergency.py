"""Invariant 6, property-tested through the real pages and API: a declared emergency is never
refused. Whatever else is missing or wrong — no topic, no text, a topic that isn't one, text
too long, an unknown extra field, no agreement, any hour — answering yes saves the request,
escalates it and answers with crisis help. Only an answer of no needs a topic.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import Direction, EnvelopeStatus, Escalation, InboundEnvelope, Message
from tests.factories import activate_agreement, sign_in

START = datetime(2026, 10, 26, 0, 0, tzinfo=ZoneInfo("America/New_York"))
MISSING = object()

bodies = st.sampled_from([MISSING, "", "   \n", "please", "x" * 5001]) | st.text(max_size=40)
purposes = st.sampled_from([MISSING, "", "logistics", "clinical", "urgent", "crisis", "gossip"])
ways_in = st.sampled_from(["compose", "help_now", "api", "console"])


def _fields(**values) -> dict:
    return {name: value for name, value in values.items() if value is not MISSING}


def _post(client, world, way: str, body, purpose, extra: bool):
    if way == "help_now":
        sign_in(client, world.client)
        return client.post(reverse("message_help_now"))
    if way == "compose":
        sign_in(client, world.client)
        return client.post(
            reverse("message_compose"), _fields(emergency="yes", purpose=purpose, body=body)
        )
    if way == "console":
        sign_in(client, world.operator)
        return client.post(
            reverse("operator_console") + f"?caller={world.client.pk}",
            _fields(emergency="yes", purpose=purpose, body=body, caller=str(world.client.pk)),
        )
    sign_in(client, world.client)
    payload = _fields(emergency=True, purpose=purpose, body=body)
    if extra:
        payload["emergancy"] = True
    return client.post(
        reverse("api:messages"), json.dumps(payload), content_type="application/json"
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    way=ways_in,
    body=bodies,
    purpose=purposes,
    extra=st.booleans(),
    minutes=st.integers(0, 7 * 24 * 60),
    with_agreement=st.booleans(),
)
def test_a_declared_emergency_is_never_refused(
    client, world, time_machine, way, body, purpose, extra, minutes, with_agreement
):
    time_machine.move_to(START + timedelta(minutes=minutes), tick=False)
    if with_agreement and not world.client.agreements.filter(status="active").exists():
        activate_agreement(world)
    before = Message.objects.filter(direction=Direction.INBOUND).count()

    response = _post(client, world, way, body, purpose, extra)

    assert response.status_code in (200, 201, 302), response.content[:500]
    envelope = InboundEnvelope.objects.order_by("-id").first()
    assert envelope.status == EnvelopeStatus.PROCESSED, envelope.refusal
    message = Message.objects.filter(direction=Direction.INBOUND).order_by("-id").first()
    assert Message.objects.filter(direction=Direction.INBOUND).count() == before + 1
    assert message.declared_emergency is True
    assert message.body.strip(), "an emergency with no text still says what it is"
    assert message.current_decision.category == "crisis"
    assert message.current_decision.disposition == "escalate"
    # A repeated crisis from the same client joins the escalation already paging for them.
    assert message.joined_escalation_id or Escalation.objects.filter(message=message).exists()
    reply = message.replies.filter(is_automatic=True).order_by("id").first()
    assert reply.body.startswith("If you are in danger now, call 911")
    if way in ("compose", "help_now"):
        assert response["Location"] == reverse("client_message_detail", args=[message.pk])


def test_the_help_now_button_is_on_every_client_page_and_needs_no_typing(client, world):
    sign_in(client, world.client)
    for route in ("client_home", "client_messages", "message_compose", "client_crisis_help"):
        page = client.get(reverse(route)).content.decode()
        assert f'action="{reverse("message_help_now")}"' in page, route
        assert "csrfmiddlewaretoken" in page
    response = client.post(reverse("message_help_now"), follow=True)
    page = response.content.decode()
    assert "We're getting you help now" in page
    assert "988" in page


def test_help_now_is_csrf_protected(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, world.client)
    response = strict.post(reverse("message_help_now"))
    assert response.status_code == 403
    assert not Message.objects.exists()
    # Refused, but never a dead end: crisis help at once, and a fresh page with the button.
    page = response.content.decode()
    assert 'href="tel:911"' in page and 'href="tel:988"' in page
    assert reverse("client_crisis_help") in page
    assert 'action="' + reverse("message_help_now") + '"' in page


def test_a_stale_form_when_signed_out_still_gives_crisis_help(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "988" in response.content.decode()


def test_an_answer_of_no_still_needs_a_topic_on_every_channel(client, world):
    sign_in(client, world.client)
    page = client.post(reverse("message_compose"), {"emergency": "no", "body": "hi"})
    assert page.status_code == 200 and "purpose" in page.context["form"].errors
    api = client.post(
        reverse("api:messages"),
        json.dumps({"emergency": False, "body": "hi"}),
        content_type="application/json",
    )
    assert api.status_code == 422
    assert not Message.objects.exists()


def test_a_declared_emergency_past_every_length_limit_is_never_refused(client, world):
    """A topic and a body far past their limits, on compose, the console and the API."""
    from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS

    body = "please help " * (MESSAGE_BODY_MAX_CHARS // 12 + 10)
    for way in ("compose", "console", "api"):
        response = _post(client, world, way, body, "x" * 500, extra=False)
        assert response.status_code in (200, 201, 302), (way, response.content[:500])
        envelope = InboundEnvelope.objects.order_by("-id").first()
        assert envelope.status == EnvelopeStatus.PROCESSED, (way, envelope.refusal)
        message = envelope.message
        assert message.current_decision.category == "crisis", way
        assert len(message.body) <= MESSAGE_BODY_MAX_CHARS
        assert message.body.startswith("please help"), way
