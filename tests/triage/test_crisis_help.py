"""Crisis help comes from one module, in the practice's own numbers, wherever it is given.

The crisis auto-reply on each channel, the safe reply sent when the usual one can't be written,
and every escalation update the client gets must carry what ``crisis_help`` says for the
practice (DESIGN.md, invariant 2). The practice here has set numbers of its own, so a sentence
written anywhere else, or with the defaults, would show.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agreements import services
from agreements.models import Channel
from messaging.escalation import lifecycle
from messaging.intake.services import message_receive, safe_reply
from messaging.models import Escalation, Message
from messaging.triage import crisis_help
from messaging.triage.crisis_help import EmergencyNumbers

NEW_YORK = ZoneInfo("America/New_York")
NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=NEW_YORK)
OWN_NUMBERS = EmergencyNumbers(
    emergency_number="112",
    crisis_line_name="Harbour Crisis Line",
    crisis_line_number="0800 123 456",
    crisis_text="Text HARBOUR to 85258",
)


@pytest.fixture
def practice(world):
    """The world's practice with crisis numbers of its own."""
    return services.practice_update_settings(
        practice=world.practice,
        by=world.admin.user,
        changes={
            "emergency_number": OWN_NUMBERS.emergency_number,
            "crisis_line_name": OWN_NUMBERS.crisis_line_name,
            "crisis_line_number": OWN_NUMBERS.crisis_line_number,
            "crisis_text": OWN_NUMBERS.crisis_text,
        },
    )


def crisis(world, practice, channel: str):
    return message_receive(
        practice=practice,
        channel=channel,
        body="I took all my pills, I want it to be over",
        sender=world.client,
        received_at=NIGHT,
    )


def assert_carries_the_practices_help(text: str) -> None:
    assert crisis_help.help_now(OWN_NUMBERS) in text
    for number in ("112", "0800 123 456", "HARBOUR to 85258"):
        assert number in text
    assert "911" not in text and "988" not in text


def test_the_numbers_are_read_from_the_practice(practice):
    assert EmergencyNumbers.of(practice) == OWN_NUMBERS


@pytest.mark.parametrize("channel", Channel.values)
def test_each_channels_crisis_reply_opens_with_the_practices_help(world, practice, channel):
    received = crisis(world, practice, channel)
    assert received.decision.disposition == "escalate"
    assert received.auto_reply.body.startswith(crisis_help.help_now(OWN_NUMBERS))
    assert_carries_the_practices_help(received.auto_reply.body)


def test_the_safe_reply_gives_the_practices_help(practice):
    reply = safe_reply(practice)
    assert reply.includes_crisis_help
    assert reply.text == crisis_help.safe_reply_text(OWN_NUMBERS)
    assert_carries_the_practices_help(reply.text)


def test_a_non_crisis_reply_ends_with_the_practices_danger_line(world, practice):
    received = message_receive(
        practice=practice,
        channel="portal",
        body="can we move tuesday",
        sender=world.client,
        declared_purpose="logistics",
        received_at=NIGHT,
    )
    assert received.auto_reply.body.endswith(crisis_help.danger_line(OWN_NUMBERS))
    assert crisis_help.danger_line(OWN_NUMBERS) == "If you're in danger, call 112 or 0800 123 456."


def escalation_updates(message: Message) -> list[str]:
    return list(
        Message.objects.filter(in_reply_to=message, is_automatic=True)
        .order_by("id")
        .values_list("body", flat=True)
    )[1:]  # the first is the auto-reply itself


def test_every_escalation_update_gives_the_practices_help(world, practice, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    received = crisis(world, practice, "sms")
    escalation = Escalation.objects.get(message=received.message)
    for _ in range(20):  # therapist, on call, admins, twice over: then the incident
        lifecycle.escalation_tick()
        time_machine.shift(timedelta(minutes=5))
    escalation.refresh_from_db()
    assert escalation.state == "exhausted"
    updates = escalation_updates(received.message)
    assert updates[0].startswith("We're contacting Tess Therapist now.")
    assert updates[-1].startswith("We haven't been able to reach a clinician yet")
    for text in updates:
        assert_carries_the_practices_help(text)


def test_the_acknowledgement_update_gives_the_practices_help(world, practice, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    received = crisis(world, practice, "email")
    escalation = Escalation.objects.get(message=received.message)
    lifecycle.escalation_tick()
    assert lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.therapist.user, via="in_app"
    ).won
    last = escalation_updates(received.message)[-1]
    assert last.startswith("Tess Therapist has your message")
    assert_carries_the_practices_help(last)


def test_the_crisis_help_card_on_web_pages_says_the_same_with_dialable_links(
    client, world, practice
):
    from django.utils.html import strip_tags

    from tests.factories import sign_in

    sign_in(client, world.client)
    page = client.get("/me/crisis-help/").content.decode()
    card = page[page.index('class="card crisis-card') :]
    card = card[: card.index("</div></div>")]
    assert crisis_help.help_now(OWN_NUMBERS) in " ".join(strip_tags(card).split())
    assert 'href="tel:112"' in card and 'href="tel:0800123456"' in card
    assert "911" not in card and "988" not in card


def test_pages_that_know_no_practice_take_their_help_from_the_same_module(client, db):
    from django.template.loader import render_to_string
    from django.utils.html import escape

    login = client.get("/accounts/login/").content.decode()
    assert escape(crisis_help.WITHOUT_A_PRACTICE) in login
    assert escape(crisis_help.WITHOUT_A_PRACTICE) in render_to_string("500.html")
