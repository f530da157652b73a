"""Message pages: forms show their errors and keep nothing half-done; the console takes calls."""

from django.urls import reverse

from messaging.models import ContactEvent, EventType, Message, MessageStatus
from tests.factories import receive, sign_in


def test_compose_requires_the_emergency_answer_and_a_message(client, world):
    sign_in(client, world.client)
    response = client.post(reverse("message_compose"), {"purpose": "logistics", "body": "   "})
    page = response.content.decode()
    assert response.status_code == 200
    # Both the emergency question and the blank (whitespace-only) message are refused.
    assert set(response.context["form"].errors) == {"emergency", "body"}
    assert "This field is required" in page
    assert "Write your message first." in page
    assert not Message.objects.exists()


def test_an_answer_of_no_needs_a_topic(client, world):
    sign_in(client, world.client)
    response = client.post(reverse("message_compose"), {"emergency": "no", "body": "hello"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"purpose"}
    assert "Choose what it is about" in response.content.decode()
    assert not Message.objects.exists()


def test_words_that_read_as_a_crisis_go_through_with_the_questions_unanswered(client, world):
    """Someone in crisis who skips the questions is not sent back to answer them: the message is
    taken as written, escalates and shows crisis help."""
    sign_in(client, world.client)
    for data in (
        {"body": "i have the pills out and i dont want to be here tonight"},
        {"emergency": "no", "body": "i have the pills out and i dont want to be here tonight"},
    ):
        response = client.post(reverse("message_compose"), data)
        message = Message.objects.filter(direction="inbound").latest("pk")
        assert response["Location"] == reverse("client_message_detail", args=[message.pk])
        assert message.current_decision.category == "crisis"
        assert message.current_decision.disposition == "escalate"
        assert message.status == MessageStatus.ESCALATED  # the first starts it, the second joins
        assert "988" in client.get(response["Location"]).content.decode()
    assert Message.objects.filter(direction="inbound").count() == 2


def test_ordinary_words_with_the_question_unanswered_are_a_form_error(client, world):
    sign_in(client, world.client)
    response = client.post(reverse("message_compose"), {"body": "can we move thursday to 4?"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"emergency", "purpose"}
    assert not Message.objects.exists()


def test_compose_sends_and_shows_what_happens_next(client, world):
    sign_in(client, world.client)
    response = client.post(
        reverse("message_compose"),
        {"emergency": "no", "purpose": "clinical", "body": "I noticed something about anger"},
    )
    message = Message.objects.get(direction="inbound")
    assert response["Location"] == reverse("client_message_detail", args=[message.pk])
    page = client.get(response["Location"]).content.decode()
    assert "What happens next" in page
    assert "If you&#x27;re in danger, call 911 or 988." in page


def test_client_can_only_open_their_own_message(client, world):
    other = receive(world, "my own message", sender="other_client")
    sign_in(client, world.client)
    assert client.get(reverse("client_message_detail", args=[other.message.pk])).status_code == 404


def test_therapist_message_page_highlights_phrases_and_logs_the_read(client, world):
    received = receive(world, "I want to end it tonight, I have the pills")
    sign_in(client, world.therapist)
    page = client.get(reverse("message_detail", args=[received.message.pk])).content.decode()
    assert '<mark class="match-crisis"' in page
    assert ContactEvent.objects.filter(
        message=received.message, event_type=EventType.MESSAGE_READ, actor=world.therapist.user
    ).exists()


def test_empty_reply_is_a_form_error_and_sends_nothing(client, world):
    received = receive(world, "invoice?", declared_purpose="logistics")
    sign_in(client, world.therapist)
    response = client.post(reverse("message_reply", args=[received.message.pk]), {"body": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Message.objects.filter(in_reply_to=received.message, is_automatic=False).exists()


def test_retriage_without_a_reason_is_refused(client, world):
    received = receive(world, "invoice?", declared_purpose="logistics")
    sign_in(client, world.therapist)
    response = client.post(
        reverse("message_retriage", args=[received.message.pk]),
        {"category": "crisis", "disposition": "deliver", "reason": ""},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "A crisis is always escalated" in page and "This field is required" in page
    assert received.message.decisions.count() == 1


def test_operator_takes_a_call_from_a_known_client(client, world):
    sign_in(client, world.operator)
    results = client.get(reverse("operator_console"), {"q": "Cleo"}).content.decode()
    assert "Cleo Client" in results
    response = client.post(
        reverse("operator_console") + f"?caller={world.client.pk}",
        {
            "caller": world.client.pk,
            "emergency": "yes",
            "purpose": "",
            "caller_phone": "+15550102030",
            "body": "Says she is not safe tonight and wants her therapist to call",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This is being escalated now" in page
    assert "988" in page
    message = Message.objects.get(direction="inbound")
    assert message.client == world.client and message.channel == "phone"
    assert message.recorded_by == world.operator.user
    assert message.current_decision.disposition == "escalate"


def test_operator_records_an_unknown_caller_for_the_practice(client, world):
    sign_in(client, world.operator)
    response = client.post(
        reverse("operator_console"),
        {
            "emergency": "no",
            "purpose": "logistics",
            "caller_phone": "+15550101010",
            "caller_name": "Sam",
            "body": "Wants to book a first appointment",
        },
    )
    assert response.status_code == 200
    message = Message.objects.get(direction="inbound")
    assert message.client is None and message.sender_address == "+15550101010"
    assert "Sam" in message.body


def test_operator_form_errors_keep_nothing(client, world):
    sign_in(client, world.operator)
    response = client.post(reverse("operator_console"), {"body": "hello"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Message.objects.exists()


def test_notes_share_and_prep(client, world):
    sign_in(client, world.client)
    client.post(reverse("client_notes"), {"body": "Talk about my sister"})
    note = world.client.session_notes.get()
    client.post(reverse("client_note_share", args=[note.pk]))
    client.logout()
    sign_in(client, world.therapist)
    page = client.get(reverse("session_prep", args=[world.client.pk])).content.decode()
    assert "Talk about my sister" in page
    client.post(reverse("session_prep", args=[world.client.pk]))
    note.refresh_from_db()
    assert note.seen_at is not None


def test_highlight_marks_phrases_escapes_the_rest_and_lists_the_model_opinion_only():
    from messaging.templatetags.triage_tags import highlight_matches

    body = "<b>hi</b> I have the pills"
    matches = [
        {"phrase": "the pills", "start": 17, "end": 26, "category": "crisis", "reason": "means"},
        {"phrase": body, "start": 0, "end": len(body), "signal": "language_model"},
    ]
    html = highlight_matches(body, matches)
    assert html.startswith("&lt;b&gt;hi&lt;/b&gt; I have ")
    assert '<mark class="match-crisis" title="means">the pills</mark>' in html
    assert html.count("<mark") == 1
