""" "Can this wait?" on compose: offered only when the agreement turns it on and the draft is
neither declared nor detected urgent or a crisis; it never blocks sending; keeping the message
as a note sends nothing and is logged."""

import pytest
from django.urls import reverse

from agreements import services as agreement_services
from messaging.models import ContactEvent, EventType, InboundEnvelope, Message, SessionNote
from tests.factories import activate_agreement, sign_in

COPING = "Walk round the block\nCall my sister"


@pytest.fixture
def waits(world, client):
    activate_agreement(world, can_this_wait=True)
    agreement_services.safety_plan_update(
        client=world.client, by=world.therapist.user, sections={"coping_strategies": COPING}
    )
    sign_in(client, world.client)
    return world


def _compose(client, body, *, emergency="no", purpose="clinical", choice=None):
    data = {"emergency": emergency, "purpose": purpose, "body": body}
    if choice:
        data["choice"] = choice
    return client.post(reverse("message_compose"), data)


def test_a_message_that_can_wait_is_offered_the_choice_with_the_clients_own_steps(waits, client):
    response = _compose(client, "I keep thinking about what my mum said on Sunday")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Can this wait for your session?" in page
    assert "Walk round the block" in page and "Call my sister" in page
    assert 'value="send"' in page and 'value="note"' in page
    assert not Message.objects.exists(), "nothing is sent until the client chooses"
    assert InboundEnvelope.objects.get().refusal == "offered_to_wait"


def test_send_now_sends_as_usual(waits, client):
    response = _compose(client, "I keep thinking about Sunday", choice="send")
    message = Message.objects.get(direction="inbound")
    assert response["Location"] == reverse("client_message_detail", args=[message.pk])


def test_keep_as_a_note_sends_nothing_and_logs_it(waits, client):
    response = _compose(client, "I keep thinking about Sunday", choice="note")
    assert response["Location"] == reverse("client_notes")
    assert not Message.objects.exists()
    note = SessionNote.objects.get()
    assert note.body == "I keep thinking about Sunday" and note.shared_at is None
    assert ContactEvent.objects.filter(event_type=EventType.NOTE_KEPT_INSTEAD).count() == 1
    assert InboundEnvelope.objects.get().refusal == "kept_as_note"


@pytest.mark.parametrize(
    ("body", "emergency", "purpose"),
    [
        ("Anything at all", "yes", ""),  # a declared emergency
        ("My prescription ran out and I need it today", "no", "urgent"),  # declared urgent
        ("i have the pills here and i want to end it", "no", "clinical"),  # detected crisis
    ],
)
def test_never_for_an_emergency_urgent_or_a_detected_crisis(
    waits, client, body, emergency, purpose
):
    for choice in (None, "note"):  # not even when a crafted form asks for a note
        response = _compose(client, body, emergency=emergency, purpose=purpose, choice=choice)
        assert response.status_code == 302
        assert response["Location"].startswith("/me/messages/")
    assert Message.objects.filter(direction="inbound").count() == 2
    assert not SessionNote.objects.exists()


def test_not_offered_unless_the_agreement_turns_it_on(world, client):
    activate_agreement(world)
    sign_in(client, world.client)
    response = _compose(client, "I keep thinking about Sunday")
    assert response.status_code == 302
    assert Message.objects.filter(direction="inbound").count() == 1


def test_never_for_scheduling_which_must_not_wait_for_the_session_it_is_about(waits, client):
    response = _compose(client, "Could we move Thursday to 3pm?", purpose="logistics")
    assert response.status_code == 302
    assert Message.objects.filter(direction="inbound").count() == 1
