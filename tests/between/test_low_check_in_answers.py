"""A check-in answered 1 or 2 of 5 during a crisis period is delivered now (at least urgent),
never held and never a page by itself; the answer is read by the one intake, by SMS or portal."""

from datetime import datetime

import pytest
from django.urls import reverse

from messaging.between.tick import between_tick
from messaging.models import CheckIn, CheckInState, Escalation, Message
from tests.between.support import MONDAY_9AM, NEW_YORK, crisis_week
from tests.factories import sign_in

LOW_RULE = "low_check_in_in_crisis_period"


def _at(time_machine, *args):
    time_machine.move_to(datetime(*args, tzinfo=NEW_YORK), tick=False)


def _check_in_sent(time_machine):
    between_tick()
    _at(time_machine, 2026, 11, 23, 10, 0, 1)
    between_tick()
    return CheckIn.objects.get(state=CheckInState.SENT)


def _codes(decision):
    return [rule["code"] for rule in decision.rules]


@pytest.mark.parametrize(("body", "score"), [("1", 1), ("2 rough day", 2), ("2!", 2)])
def test_a_low_sms_answer_is_delivered_now_as_urgent(
    in_crisis, twilio, signed_sms, time_machine, body, score
):
    check_in = _check_in_sent(time_machine)
    _at(time_machine, 2026, 11, 23, 10, 20)
    assert signed_sms(body).status_code == 200
    check_in.refresh_from_db()
    assert check_in.state == CheckInState.ANSWERED and check_in.score == score
    decision = check_in.reply.current_decision
    assert decision.category == "urgent"
    assert decision.disposition == "deliver"
    assert LOW_RULE in _codes(decision)
    reasons = [rule["reason"] for rule in decision.rules if rule["code"] == LOW_RULE]
    assert reasons == [f"Answered a check-in {score} of 5 during the crisis period: delivered now."]
    assert not Escalation.objects.exists(), "a low answer alone pages nobody"


def test_a_low_portal_answer_is_delivered_now_as_urgent(phones, client, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    crisis_week(phones, check_in_channel="portal")
    check_in = _check_in_sent(time_machine)
    sign_in(client, phones.client)
    response = client.post(
        reverse("client_check_in_answer", args=[check_in.pk]), {"score": "1", "words": ""}
    )
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.reply.body == "Check-in answer: 1 of 5 (very bad)"
    decision = check_in.reply.current_decision
    assert (decision.category, decision.disposition) == ("urgent", "deliver")
    assert LOW_RULE in _codes(decision)
    assert not Escalation.objects.exists()


@pytest.mark.parametrize("body", ["3", "4 a bit better today", "5!"])
def test_a_middling_or_good_answer_keeps_the_check_in_rules(
    in_crisis, twilio, signed_sms, time_machine, body
):
    check_in = _check_in_sent(time_machine)
    signed_sms(body)
    check_in.refresh_from_db()
    decision = check_in.reply.current_decision
    assert LOW_RULE not in _codes(decision)
    assert decision.category != "urgent"


def test_a_number_with_no_check_in_waiting_is_not_read_as_an_answer(
    in_crisis, twilio, signed_sms, time_machine
):
    between_tick()  # planned for 10:00, not yet sent
    _at(time_machine, 2026, 11, 23, 9, 30)
    signed_sms("1")
    assert CheckIn.objects.get().reply_id is None
    message = Message.objects.get(direction="inbound")
    assert LOW_RULE not in _codes(message.current_decision)


def test_a_crisis_answer_still_escalates(in_crisis, twilio, signed_sms, time_machine):
    _check_in_sent(time_machine)
    signed_sms("1 i have the pills here and i want to end it tonight")
    escalation = Escalation.objects.get()
    decision = escalation.message.current_decision
    assert (decision.category, decision.disposition) == ("crisis", "escalate")
    assert LOW_RULE not in _codes(decision), "never lowered: the crisis rules stand"
