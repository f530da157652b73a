"""The answering service and the operator console write the same records: an emergency on the
phone is the same message, decision, escalation and contact-log events whichever took it. And
the demo outbox's call list costs the same queries however many calls there are."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.models import ContactEvent, Escalation, Message
from messaging.voice import services
from tests.factories import sign_in
from tests.voice.calls import call_params, turn

NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=ZoneInfo("America/New_York"))


def records_of(message: Message) -> tuple:
    events = sorted(
        ContactEvent.objects.filter(message=message).values_list("event_type", flat=True)
    )
    escalation = Escalation.objects.get(message=message)
    return (
        message.channel,
        message.declared_emergency,
        message.current_decision.category,
        message.current_decision.disposition,
        escalation.state,
        events,
    )


def test_an_emergency_by_the_console_and_by_the_phone_write_the_same(client, world, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    world.other_client.user.phone = "+15550102040"
    world.other_client.user.save(update_fields=["phone"])

    sign_in(client, world.operator)
    response = client.post(
        reverse("operator_console") + f"?caller={world.client.pk}",
        {"caller": world.client.pk, "emergency": "yes", "caller_phone": "+15550102030"},
    )
    assert response.status_code == 200
    console = Message.objects.get(client=world.client, direction="inbound")
    client.logout()

    turn(client, "voice_incoming", call_params(caller="+15550102040"))
    turn(client, "voice_choice", call_params(caller="+15550102040", Digits="1"))
    phone = Message.objects.get(client=world.other_client, direction="inbound")

    assert records_of(console) == records_of(phone)
    assert console.recorded_by == world.operator.user and phone.recorded_by is None


def test_the_outbox_call_list_costs_the_same_queries_as_calls_grow(client, world, settings):
    settings.USES_EMBEDDED_SERVICES = True  # the outbox exists in demo mode only
    sign_in(client, world.therapist)

    def add_calls(n, start):
        for i in range(start, start + n):
            services.call_session_start(
                call_sid=f"CA{i:032d}",
                practice=world.practice,
                caller_number="+15550102030",
                called_number="",
                client=world.client,
            )

    add_calls(1, 0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("outbox")).status_code == 200
    add_calls(6, 1)
    with CaptureQueriesContext(connection) as seven:
        page = client.get(reverse("outbox")).content.decode()
    assert page.count("Call answered") == 7
    assert len(seven.captured_queries) == len(one.captured_queries)
