"""The answering service end to end: signed Twilio requests for every turn of a call, the
escalation engine paging underneath, and the voicemail triaged like any message."""

import logging
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from agreements import services as agreement_services
from agreements.models import AwayPeriod
from messaging.escalation import lifecycle
from messaging.models import (
    CallSession,
    ContactEvent,
    EnvelopeStatus,
    Escalation,
    EventType,
    InboundEnvelope,
    Message,
    Notification,
)
from tests.factories import activate_agreement
from tests.voice.calls import (
    CLIENT_PHONE,
    NEW_YORK,
    ON_CALL_PHONE,
    THERAPIST_PHONE,
    THREE_AM,
    call_params,
    leave_voicemail,
    press,
    signed_post,
    turn,
    xml,
)


def said(root) -> str:
    return " ".join(element.text or "" for element in root.iter("Say"))


def dial_numbers(root) -> dict[str, str]:
    return {number.text: number.get("url") for number in root.iter("Number")}


def follow(client, url, params):
    return xml(signed_post(client, url, params))


def test_the_greeting_knows_the_night_and_asks_the_emergency_question(client, phones, night):
    root = xml(turn(client, "voice_incoming", call_params()))
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    assert gather.get("action").endswith(reverse("voice_choice"))
    words = said(root)
    assert "Thank you for calling Harbour Therapy." in words
    assert "The office is closed now. It opens again today at 9 a.m. If" in words
    assert "press 1 or say emergency" in words
    session = CallSession.objects.get()
    assert session.client == phones.client and session.practice == phones.practice


def test_the_greeting_is_in_the_practices_words_and_names_the_cover(client, phones, night):
    agreement_services.practice_update_settings(
        practice=phones.practice,
        by=phones.admin.user,
        changes={"voice_greeting": "You have reached the Harbour answering service."},
    )
    AwayPeriod.objects.create(
        therapist=phones.therapist,
        starts_at=THREE_AM - timedelta(days=1),
        ends_at=datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK),
        covering_therapist=phones.other_therapist,
    )
    words = said(xml(turn(client, "voice_incoming", call_params())))
    assert words.startswith("You have reached the Harbour answering service.")
    assert "Tess Therapist is away until Monday at 9 a.m. Owen Other is covering." in words


def test_pressing_1_at_3am_gives_help_then_rings_the_therapist_who_takes_it(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    root = xml(press(client, "voice_choice", "1"))
    words = said(root)
    assert "call 911" in words and "988" in words
    assert "call 1 5 5 5 0 1 0 0 1 0 0" in words  # the practice's line, digit by digit
    message = Message.objects.get(channel="phone", direction="inbound")
    assert message.declared_emergency is True and message.client == phones.client
    assert message.current_decision.category == "crisis"
    assert InboundEnvelope.objects.get(channel="voice").message == message
    escalation = Escalation.objects.get(message=message)

    # The call asks the engine who is on its step: the first step pages the therapist.
    root = follow(client, root.find("Redirect").text, call_params())
    numbers = dial_numbers(root)
    assert list(numbers) == [THERAPIST_PHONE]
    assert root.find("Dial").get("timeout") == "300"
    assert Notification.objects.filter(
        escalation=escalation, recipient=phones.therapist.user, purpose="page"
    ).exists()

    whisper = follow(client, numbers[THERAPIST_PHONE], call_params("CA" + "2" * 32))
    assert said(whisper) == "Crisis call from Cleo for Tess Therapist. Press 1 to take it."
    answer_url = whisper.find("Gather").get("action")
    taken = follow(client, answer_url, call_params("CA" + "2" * 32, Digits="1"))
    assert said(taken) == "Connecting you now." and taken.find("Hangup") is None

    escalation.refresh_from_db()
    assert escalation.state == "acknowledged"
    assert escalation.acknowledged_by == phones.therapist.user
    assert escalation.acknowledged_via == "phone call"
    # The paging stops: the next step never runs.
    night.shift(timedelta(minutes=30))
    assert lifecycle.escalation_tick() == 0
    # The bridged call ends; its dial's action hangs up.
    done = follow(client, root.find("Dial").get("action"), call_params(DialCallStatus="completed"))
    assert done.find("Hangup") is not None
    assert CallSession.objects.get().connected_to == phones.therapist.user


def test_nobody_answering_in_the_steps_wait_rings_the_on_call(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    root = follow(client, said_redirect(press(client, "voice_choice", "1")), call_params())
    assert list(dial_numbers(root)) == [THERAPIST_PHONE]

    night.shift(timedelta(minutes=5))
    root = follow(client, root.find("Dial").get("action"), call_params(DialCallStatus="no-answer"))
    numbers = dial_numbers(root)
    assert list(numbers) == [ON_CALL_PHONE]
    escalation = Escalation.objects.get()
    assert escalation.step_index == 2  # the engine's own second step, not a parallel chain

    whisper = follow(client, numbers[ON_CALL_PHONE], call_params("CA" + "3" * 32))
    assert "Press 1 to take it" in said(whisper)
    follow(client, whisper.find("Gather").get("action"), call_params("CA" + "3" * 32, Digits="1"))
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == phones.other_therapist.user


def said_redirect(response) -> str:
    return xml(response).find("Redirect").text


def test_two_clinicians_pressing_1_have_one_winner(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    follow(client, said_redirect(press(client, "voice_choice", "1")), call_params())
    session = CallSession.objects.get()
    answer = reverse("voice_whisper_answer")
    first = turn(
        client,
        "voice_whisper_answer",
        call_params("CA" + "4" * 32, Digits="1"),
        call=session.call_sid,
        clinician=phones.therapist.user.pk,
    )
    assert said(xml(first)) == "Connecting you now."
    assert answer
    # The therapist's whisper again (Twilio retried): still theirs, no second acknowledgement.
    again = turn(
        client,
        "voice_whisper_answer",
        call_params("CA" + "4" * 32, Digits="1"),
        call=session.call_sid,
        clinician=phones.therapist.user.pk,
    )
    assert said(xml(again)) == "Connecting you now."
    assert ContactEvent.objects.filter(event_type=EventType.ESCALATION_ACKNOWLEDGED).count() == 1


def test_a_clinician_not_on_the_step_cannot_take_the_call(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    follow(client, said_redirect(press(client, "voice_choice", "1")), call_params())
    session = CallSession.objects.get()
    root = xml(
        turn(
            client,
            "voice_whisper_answer",
            call_params("CA" + "5" * 32, Digits="1"),
            call=session.call_sid,
            clinician=phones.admin.user.pk,
        )
    )
    assert root.find("Hangup") is not None
    assert Escalation.objects.get().state == "active"


def test_at_the_end_of_the_chain_the_caller_is_offered_988_and_a_message(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    connect_url = said_redirect(press(client, "voice_choice", "1"))
    follow(client, connect_url, call_params())
    for _ in range(12):
        night.shift(timedelta(minutes=5))
        lifecycle.escalation_tick()
    assert Escalation.objects.get().state == "exhausted"
    root = follow(client, connect_url, call_params(DialCallStatus="no-answer"))
    assert "press 9" in said(root)
    assert root.find("Record") is not None
    line = follow(client, root.find("Gather").get("action"), call_params(Digits="9"))
    assert [dial.text for dial in line.iter("Dial")] == ["988"]


def test_pressing_2_reads_the_agreements_reply_times_and_records(client, phones, night):
    activate_agreement(phones)
    xml(turn(client, "voice_incoming", call_params()))
    root = xml(press(client, "voice_choice", "2"))
    words = said(root)
    assert "Tess Therapist replies to messages within 2 business days." in words
    assert "Urgent messages get a reply within 4 business hours." in words
    record = root.find("Record")
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback").endswith(reverse("voice_transcription"))
    assert int(record.get("maxLength")) <= 120
    assert not Message.objects.filter(direction="inbound").exists()


def test_a_voicemail_is_triaged_and_answered_by_text(client, phones, night):
    activate_agreement(phones)
    leave_voicemail(client, "Hi it's Cleo, can we move Thursday's appointment to Friday?")
    message = Message.objects.get(direction="inbound")
    assert message.channel == "phone" and message.client == phones.client
    assert "move Thursday's appointment" in message.body
    assert "Recordings/RE" in message.body  # referenced, not stored
    assert message.current_decision.category == "logistics"
    reply = Notification.objects.get(purpose="auto_reply")
    assert reply.channel == "sms" and reply.address == CLIENT_PHONE
    session = CallSession.objects.get()
    assert session.recording_sid == "RE" + "7" * 32 and session.state == "recorded"
    # The recording's own request is the same message, finished; nothing left to sweep.
    assert not InboundEnvelope.objects.exclude(
        status__in=[EnvelopeStatus.PROCESSED, EnvelopeStatus.REFUSED]
    ).exists()
    assert InboundEnvelope.objects.filter(message=message).count() == 2


def test_a_crisis_in_a_voicemail_escalates(client, phones, night):
    leave_voicemail(client, "I have the pills in front of me and I am going to take them all")
    message = Message.objects.get(direction="inbound")
    assert message.current_decision.category == "crisis"
    assert Escalation.objects.filter(message=message).exists()
    reply = Notification.objects.get(purpose="auto_reply")
    assert reply.channel == "sms" and "988" in reply.body


def test_repeated_callbacks_count_once(client, phones, night):
    leave_voicemail(client, "please call me back about billing")
    leave_voicemail(client, "please call me back about billing")
    assert CallSession.objects.count() == 1
    assert Message.objects.filter(direction="inbound").count() == 1
    xml(press(client, "voice_choice", "1", call_sid="CA" + "9" * 32))
    xml(press(client, "voice_choice", "1", call_sid="CA" + "9" * 32))
    assert Message.objects.filter(provider_message_id="call:" + "CA" + "9" * 32).count() == 1
    assert Escalation.objects.count() == 1


def test_a_voicemail_whose_transcript_never_comes_is_still_taken_in(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    xml(press(client, "voice_choice", "2"))
    xml(
        turn(
            client,
            "voice_recorded",
            call_params(RecordingSid="RE" + "6" * 32, RecordingUrl="https://api.twilio.com/r"),
        )
    )
    from messaging.intake.envelopes import envelopes_sweep

    assert envelopes_sweep() == 0  # waiting for the transcript
    night.shift(timedelta(minutes=6))
    assert envelopes_sweep() == 1
    message = Message.objects.get(direction="inbound")
    assert "listen to the recording" in message.body


def test_a_bad_signature_is_refused_and_logged(client, phones, caplog):
    with caplog.at_level(logging.WARNING, logger="contactpolicy.webhooks"):
        response = signed_post(
            client, reverse("voice_incoming"), call_params(), token="someone-elses-token"
        )
    assert response.status_code == 403
    assert not CallSession.objects.exists()
    assert any("bad signature" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "name",
    ["voice_connect", "voice_hold", "voice_end_choice", "voice_whisper", "voice_whisper_answer"],
)
def test_unknown_calls_get_valid_twiml(client, phones, name):
    root = xml(turn(client, name, call_params("CA" + "0" * 32), call="CAnope", clinician="1"))
    assert root.tag == "Response"


def test_missing_call_sid_is_a_400(client, phones):
    assert turn(client, "voice_incoming", {"From": CLIENT_PHONE}).status_code == 400
    assert turn(client, "voice_choice", {"Digits": "1"}).status_code == 400


def test_unclear_answers_are_asked_again_then_taken_as_a_message(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    again = xml(turn(client, "voice_choice", call_params(SpeechResult="purple")))
    assert "didn't catch that" in said(again)
    message = xml(turn(client, "voice_choice", call_params()))
    assert message.find("Record") is not None


def test_saying_emergency_is_an_emergency(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    xml(turn(client, "voice_choice", call_params(SpeechResult="no it's an emergency")))
    assert Escalation.objects.count() == 1


def test_a_call_joining_a_crisis_someone_has_rings_them(client, phones, night):
    from tests.factories import receive

    received = receive(phones, "I want to kill myself tonight", at=THREE_AM)
    lifecycle.escalation_tick()
    escalation = Escalation.objects.get(message=received.message)
    lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=phones.other_therapist.user, via="app"
    )
    xml(turn(client, "voice_incoming", call_params()))
    root = follow(client, said_redirect(press(client, "voice_choice", "1")), call_params())
    assert list(dial_numbers(root)) == [ON_CALL_PHONE]
    call = Message.objects.get(channel="phone", direction="inbound")
    assert call.joined_escalation == escalation
    # Not answered: the caller hears who has it, 988 and a message; nobody is rung twice.
    again = follow(client, root.find("Dial").get("action"), call_params(DialCallStatus="busy"))
    assert "Owen Other has been told and will call you back." in said(again)
    assert not list(again.iter("Number"))


def test_an_unknown_callers_emergency_rings_the_on_call_and_keeps_their_number(
    client, phones, night
):
    unknown = "+15559990001"
    xml(turn(client, "voice_incoming", call_params(caller=unknown)))
    assert CallSession.objects.get().client is None
    root = follow(
        client, said_redirect(press(client, "voice_choice", "1")), call_params(caller=unknown)
    )
    numbers = dial_numbers(root)
    assert list(numbers) == [ON_CALL_PHONE]  # no therapist to page: whoever is on call
    whisper = follow(client, numbers[ON_CALL_PHONE], call_params("CA" + "6" * 32))
    assert said(whisper) == (
        "Crisis call from an unknown caller for Harbour Therapy. Press 1 to take it."
    )
    message = Message.objects.get(direction="inbound")
    assert message.client is None and message.sender_address == unknown
    page = Notification.objects.filter(purpose="page", recipient=phones.other_therapist.user)
    assert all(unknown in n.body for n in page)


def test_a_therapist_answering_as_the_engine_moves_on_can_still_take_it(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    root = follow(client, said_redirect(press(client, "voice_choice", "1")), call_params())
    whisper_url = dial_numbers(root)[THERAPIST_PHONE]
    night.shift(timedelta(minutes=5))
    lifecycle.escalation_tick()  # the on-call is paged while Tess's phone is still ringing
    whisper = follow(client, whisper_url, call_params("CA" + "7" * 32))
    taken = follow(client, whisper.find("Gather").get("action"), call_params(Digits="1"))
    assert said(taken) == "Connecting you now."
    assert Escalation.objects.get().acknowledged_by == phones.therapist.user
