"""Notifications: backends, sending exactly as a task that runs twice must, delivery status,
contact methods and the notification pages."""

import json
import logging
import threading
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from requests.exceptions import ConnectionError as RequestsConnectionError
from twilio.request_validator import RequestValidator

from agreements.phones import phone_normalize
from messaging.escalation.models import Escalation
from messaging.models import ContactEvent, EventType
from messaging.notifications import services as sending
from messaging.notifications.backends import (
    EmailBackend,
    InAppBackend,
    OutboxBackend,
    SendFailed,
    TwilioSmsBackend,
    TwilioVoiceBackend,
    UnconfiguredBackend,
    backend_for,
    status_from_twilio,
)
from messaging.notifications.models import (
    ContactMethod,
    ContactMethodKind,
    Notification,
    NotificationPurpose,
    NotificationStatus,
)
from messaging.notifications.selectors import contact_methods_for, notifications_due
from messaging.notifications.services import (
    MAX_ATTEMPTS,
    contact_methods_replace,
    notification_send,
    notification_status_update,
    send_lease,
)
from tests.factories import receive, sign_in
from tests.notifications.twilio_stub import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

T0 = datetime(2030, 3, 5, 15, 0, tzinfo=ZoneInfo("UTC"))
PAGE_BODY = "Crisis page for Tess: open Contact Policy now. Reply 4711 to acknowledge."


def make_notification(world, **fields) -> Notification:
    values = {
        "practice": world.practice,
        "recipient": world.therapist.user,
        "purpose": NotificationPurpose.PAGE,
        "channel": ContactMethodKind.SMS,
        "address": "+15550102030",
        "body": PAGE_BODY,
        "idempotency_key": f"test:{uuid.uuid4()}",
        "next_attempt_at": T0,
        "created_at": T0,
    }
    values.update(fields)
    return Notification.objects.create(**values)


def events(event_type) -> list[ContactEvent]:
    return list(ContactEvent.objects.filter(event_type=event_type))


# --- backends -------------------------------------------------------------------------------


def test_twilio_sms_sends_what_twilio_expects(world, twilio):
    notification = make_notification(world)
    twilio.replies.append((201, {"sid": "SM" + "a" * 32, "status": "queued"}))

    result = TwilioSmsBackend().send(notification)

    assert result.provider == "twilio" and result.provider_id == "SM" + "a" * 32
    [request] = twilio.requests
    assert request["method"] == "POST"
    assert urlsplit(request["url"]).netloc == "api.twilio.com"
    assert request["url"].endswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert request["data"]["To"] == "+15550102030"
    assert request["data"]["From"] == FROM_NUMBER
    assert request["data"]["Body"] == PAGE_BODY
    assert request["data"]["StatusCallback"] == (
        "https://contact.example.test" + reverse("twilio_status_callback")
    )


def test_twilio_voice_calls_and_reads_the_page_twice(world, twilio):
    notification = make_notification(
        world, channel=ContactMethodKind.VOICE, body="Crisis page <urgent> & call back"
    )
    twilio.replies.append((201, {"sid": "CA" + "b" * 32, "status": "queued"}))

    result = TwilioVoiceBackend().send(notification)

    assert result.provider_id == "CA" + "b" * 32
    [request] = twilio.requests
    assert request["url"].endswith(f"/Accounts/{ACCOUNT_SID}/Calls.json")
    assert request["data"]["To"] == "+15550102030"
    assert request["data"]["From"] == FROM_NUMBER
    twiml = request["data"]["Twiml"]
    assert twiml.startswith("<?xml") or twiml.startswith("<Response>")
    # Read twice, with "press 1 to acknowledge" answered at the app's public address.
    assert twiml.count("Crisis page &lt;urgent&gt; &amp; call back") == 2
    assert twiml.count("Press 1 to acknowledge.") == 2
    assert (
        f'action="https://contact.example.test/webhooks/voice/page/?notification={notification.pk}"'
        in twiml
    )


def test_without_a_public_address_the_voice_page_is_read_twice(world, twilio, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    notification = make_notification(world, channel=ContactMethodKind.VOICE, body="Crisis page")
    TwilioVoiceBackend().send(notification)
    twiml = twilio.requests[0]["data"]["Twiml"]
    assert twiml.count("<Say>Crisis page</Say>") == 2 and "Gather" not in twiml


def test_no_status_callback_without_a_public_https_address(world, twilio, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    TwilioSmsBackend().send(make_notification(world))
    assert "StatusCallback" not in twilio.requests[0]["data"]


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (400, False), (401, False)]
)
def test_twilio_errors_say_whether_to_retry_and_hold_no_personal_data(
    world, twilio, status, retryable
):
    twilio.replies.append(
        (status, {"code": 21211, "message": "The 'To' number +15550102030 is not valid"})
    )
    with pytest.raises(SendFailed) as failure:
        TwilioSmsBackend().send(make_notification(world))
    assert failure.value.retryable is retryable
    assert str(status) in failure.value.reason
    assert "+1555" not in failure.value.reason


def test_twilio_unreachable_is_retryable(world, twilio):
    twilio.replies.append(RequestsConnectionError("connection refused"))
    with pytest.raises(SendFailed) as failure:
        TwilioVoiceBackend().send(make_notification(world, channel=ContactMethodKind.VOICE))
    assert failure.value.retryable


def test_email_backend_sends_subject_and_body(world):
    notification = make_notification(
        world, channel=ContactMethodKind.EMAIL, address="tess@harbour.test", subject="Crisis page"
    )
    result = EmailBackend().send(notification)
    [sent] = mail.outbox
    assert sent.to == ["tess@harbour.test"]
    assert sent.subject == "Crisis page"
    assert sent.body == PAGE_BODY
    assert result.provider == "email"
    assert sent.extra_headers["Message-ID"].strip("<>") == result.provider_id


def test_in_app_and_outbox_send_nothing_anywhere(world, twilio):
    notification = make_notification(world, channel=ContactMethodKind.IN_APP, address="")
    assert InAppBackend().send(notification).provider == "in_app"
    assert OutboxBackend().send(notification).provider == "outbox"
    assert not twilio.requests and not mail.outbox


@pytest.mark.parametrize(
    ("configured", "embedded", "debug", "expected"),
    [
        (True, True, True, "twilio"),
        (True, False, False, "twilio"),
        (False, True, False, "outbox"),
        (False, False, True, "outbox"),
        (False, False, False, "unconfigured"),
    ],
)
def test_phone_channels_pick_twilio_outbox_or_a_loud_failure(
    settings, configured, embedded, debug, expected
):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID if configured else ""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.USES_EMBEDDED_SERVICES = embedded
    settings.DEBUG = debug
    assert backend_for("sms").provider == expected
    assert backend_for("voice").provider == expected
    assert isinstance(backend_for("email"), EmailBackend)
    assert isinstance(backend_for("in_app"), InAppBackend)


def test_unconfigured_sms_fails_for_good(settings, world, no_twilio):
    settings.USES_EMBEDDED_SERVICES = False
    settings.DEBUG = False
    backend = backend_for("sms")
    assert isinstance(backend, UnconfiguredBackend)
    with pytest.raises(SendFailed) as failure:
        backend.send(make_notification(world))
    assert failure.value.reason == "SMS provider not configured"
    assert not failure.value.retryable


@pytest.mark.parametrize(
    ("twilio_status", "expected"),
    [
        ("delivered", NotificationStatus.DELIVERED),
        ("read", NotificationStatus.DELIVERED),
        ("completed", NotificationStatus.DELIVERED),
        ("undelivered", NotificationStatus.FAILED),
        ("failed", NotificationStatus.FAILED),
        ("busy", NotificationStatus.FAILED),
        ("no-answer", NotificationStatus.FAILED),
        ("queued", None),
        ("sent", None),
        ("ringing", None),
        ("something-new", None),
    ],
)
def test_status_from_twilio(twilio_status, expected):
    assert status_from_twilio(twilio_status) == expected


# --- sending --------------------------------------------------------------------------------


def test_send_records_sent_with_the_provider_id_and_logs_the_event(world, twilio):
    notification = make_notification(world)
    sent = notification_send(notification_id=notification.pk, now=T0)
    assert sent.status == NotificationStatus.SENT
    assert sent.attempts == 1
    assert sent.sent_at == T0
    assert (sent.provider, sent.provider_id) == ("twilio", "SM" + "1".rjust(32, "0"))
    [event] = events(EventType.NOTIFICATION_SENT)
    assert event.practice == world.practice
    assert event.details["notification"] == notification.pk
    assert "+1555" not in event.summary and PAGE_BODY not in event.summary


def test_a_task_that_runs_twice_sends_once(world, twilio):
    notification = make_notification(world)
    notification_send(notification_id=notification.pk, now=T0)
    again = notification_send(notification_id=notification.pk, now=T0 + timedelta(seconds=1))
    assert len(twilio.requests) == 1
    assert again.status == NotificationStatus.SENT and again.attempts == 1
    assert len(events(EventType.NOTIFICATION_SENT)) == 1


def test_a_second_worker_during_the_send_finds_it_claimed(world, twilio, monkeypatch):
    """Worker B starts while worker A is inside the provider call: B sends nothing."""
    notification = make_notification(world)
    real_send = TwilioSmsBackend.send
    seen_by_b = []

    def worker_a_send(self, claimed):
        seen_by_b.append(notification_send(notification_id=claimed.pk, now=T0))
        return real_send(self, claimed)

    monkeypatch.setattr(TwilioSmsBackend, "send", worker_a_send)
    result = notification_send(notification_id=notification.pk, now=T0)

    assert len(twilio.requests) == 1
    assert seen_by_b[0].status == NotificationStatus.PENDING
    assert seen_by_b[0].attempts == 1  # A's claim, committed before the provider call
    assert result.status == NotificationStatus.SENT
    assert len(events(EventType.NOTIFICATION_SENT)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_once(world, twilio, monkeypatch):
    """Real concurrency: worker B runs in its own thread and connection while A is sending."""
    notification = make_notification(world)
    real_send = TwilioSmsBackend.send
    outcome = {}

    def worker_b():
        try:
            outcome["b"] = notification_send(notification_id=notification.pk, now=T0)
        finally:
            connection.close()

    def worker_a_send(self, claimed):
        other = threading.Thread(target=worker_b)
        other.start()
        other.join(timeout=30)
        return real_send(self, claimed)

    monkeypatch.setattr(TwilioSmsBackend, "send", worker_a_send)
    result = notification_send(notification_id=notification.pk, now=T0)

    assert outcome["b"].status == NotificationStatus.PENDING
    assert len(twilio.requests) == 1
    assert result.status == NotificationStatus.SENT and result.attempts == 1
    assert len(events(EventType.NOTIFICATION_SENT)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_worker_is_skipped_not_waited_for(world, twilio):
    """PostgreSQL: FOR UPDATE SKIP LOCKED, so a busy row costs the second worker nothing."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite serializes writers instead of skipping locked rows")
    notification = make_notification(world)
    outcome = {}

    def worker_b():
        try:
            outcome["b"] = notification_send(notification_id=notification.pk, now=T0)
        finally:
            connection.close()

    with transaction.atomic():
        Notification.objects.select_for_update().get(pk=notification.pk)
        other = threading.Thread(target=worker_b)
        other.start()
        other.join(timeout=30)
    assert not other.is_alive()
    assert outcome["b"].attempts == 0
    assert not twilio.requests


def test_a_crash_after_the_provider_took_it_resends_once_the_lease_lapses(
    world, twilio, monkeypatch
):
    """At least once: a page may go twice after a crash, never zero times, never a storm."""
    notification = make_notification(world)

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(sending, "_record_sent", crash)
        with pytest.raises(SystemExit):
            notification_send(notification_id=notification.pk, now=T0)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.next_attempt_at == T0 + send_lease()

    # The sweeper runs meanwhile: not due yet.
    assert notifications_due(now=T0 + timedelta(seconds=30)) == []
    notification_send(notification_id=notification.pk, now=T0 + timedelta(seconds=30))
    assert len(twilio.requests) == 1

    resent = notification_send(notification_id=notification.pk, now=T0 + send_lease())
    assert len(twilio.requests) == 2
    assert resent.status == NotificationStatus.SENT and resent.attempts == 2


def test_interrupted_attempts_end_in_failed_not_a_storm(world, twilio):
    notification = make_notification(world, attempts=MAX_ATTEMPTS)
    result = notification_send(notification_id=notification.pk, now=T0)
    assert result.status == NotificationStatus.FAILED
    assert not twilio.requests
    assert len(events(EventType.NOTIFICATION_FAILED)) == 1


def test_retries_back_off_then_fail_after_six_attempts(world, twilio, caplog):
    caplog.set_level(logging.INFO)
    notification = make_notification(world)
    twilio.replies.extend([(500, {"message": "oops +15550102030"})] * 10)
    now = T0
    expected_delays = [5, 10, 20, 40, 80]
    for attempt, delay in enumerate(expected_delays, start=1):
        result = notification_send(notification_id=notification.pk, now=now)
        assert result.status == NotificationStatus.PENDING
        assert result.attempts == attempt
        assert result.next_attempt_at == now + timedelta(seconds=delay)
        assert result.last_error == "Twilio HTTP 500"
        # Not due yet: a run in between sends nothing.
        notification_send(notification_id=notification.pk, now=now + timedelta(seconds=1))
        assert len(twilio.requests) == attempt
        now = result.next_attempt_at

    result = notification_send(notification_id=notification.pk, now=now)
    assert result.status == NotificationStatus.FAILED
    assert result.attempts == MAX_ATTEMPTS
    assert len(twilio.requests) == MAX_ATTEMPTS
    [failed] = events(EventType.NOTIFICATION_FAILED)
    assert failed.details["attempts"] == MAX_ATTEMPTS
    assert not events(EventType.NOTIFICATION_SENT)
    # Nothing personal in the logs: ids only.
    for record in caplog.records:
        text = record.getMessage()
        assert "+1555" not in text and PAGE_BODY not in text


def test_backoff_is_capped_at_five_minutes():
    assert sending.retry_delay(1) == timedelta(seconds=5)
    assert sending.retry_delay(7) == timedelta(seconds=300)
    assert sending.retry_delay(20) == timedelta(seconds=300)


def test_a_permanent_error_fails_at_once(world, twilio):
    notification = make_notification(world)
    twilio.replies.append((400, {"code": 21211, "message": "invalid To"}))
    result = notification_send(notification_id=notification.pk, now=T0)
    assert result.status == NotificationStatus.FAILED
    assert result.attempts == 1
    assert result.last_error == "Twilio HTTP 400 error 21211"
    assert len(events(EventType.NOTIFICATION_FAILED)) == 1


def test_unconfigured_sms_in_production_fails_with_an_event(world, settings, no_twilio):
    settings.USES_EMBEDDED_SERVICES = False
    settings.DEBUG = False
    result = notification_send(notification_id=make_notification(world).pk, now=T0)
    assert result.status == NotificationStatus.FAILED
    assert result.last_error == "SMS provider not configured"


def test_embedded_mode_sends_sms_to_the_outbox(world, settings, no_twilio):
    settings.USES_EMBEDDED_SERVICES = True
    result = notification_send(notification_id=make_notification(world).pk, now=T0)
    assert result.status == NotificationStatus.SENT
    assert result.provider == "outbox"


def test_nothing_happens_before_it_is_due_or_after_it_is_done(world, twilio):
    later = make_notification(world, next_attempt_at=T0 + timedelta(minutes=1))
    done = make_notification(world, status=NotificationStatus.DELIVERED)
    assert notification_send(notification_id=later.pk, now=T0).attempts == 0
    assert notification_send(notification_id=done.pk, now=T0).status == "delivered"
    assert not twilio.requests


def test_notifications_due_lists_waiting_ones_longest_waiting_first(world):
    second = make_notification(world, next_attempt_at=T0 - timedelta(seconds=5))
    first = make_notification(world, next_attempt_at=T0 - timedelta(seconds=50))
    make_notification(world, next_attempt_at=T0 + timedelta(seconds=5))
    make_notification(world, next_attempt_at=T0 - timedelta(minutes=9), status="sent")
    assert notifications_due(now=T0) == [first.pk, second.pk]
    assert notifications_due(now=T0, limit=1) == [first.pk]


def test_notifications_due_puts_an_escalations_sends_before_a_routine_backlog(world):
    message = receive(world, "I want to die and I have a plan").message
    escalation = Escalation.objects.get(message=message)
    backlog = [
        make_notification(world, purpose=NotificationPurpose.REPLY, next_attempt_at=T0 - minutes)
        for minutes in (timedelta(minutes=n) for n in range(10, 13))
    ]
    page = make_notification(
        world, escalation=escalation, next_attempt_at=T0 - timedelta(seconds=9)
    )
    assert notifications_due(now=T0, limit=2) == [page.pk, backlog[-1].pk]
    assert notifications_due(now=T0) == [page.pk, *(n.pk for n in reversed(backlog))]


def test_events_name_the_client_and_message_of_the_escalation(world, twilio):
    message = receive(world, "Can we move Tuesday?", declared_purpose="logistics").message
    escalation = Escalation.objects.create(
        practice=world.practice, message=message, client=world.client, policy_snapshot={}
    )
    notification = make_notification(world, escalation=escalation)
    notification_send(notification_id=notification.pk, now=T0)
    [event] = events(EventType.NOTIFICATION_SENT)
    assert (event.client, event.message) == (world.client, message)
    assert event.details["escalation"] == escalation.pk


# --- delivery status ------------------------------------------------------------------------


def test_status_update_marks_delivered_once(world, twilio):
    notification = notification_send(notification_id=make_notification(world).pk, now=T0)
    later = T0 + timedelta(seconds=4)
    notification_status_update(
        provider_id=notification.provider_id, status=NotificationStatus.DELIVERED, now=later
    )
    notification_status_update(
        provider_id=notification.provider_id, status=NotificationStatus.FAILED, now=later
    )
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DELIVERED
    assert notification.delivered_at == later
    assert len(events(EventType.NOTIFICATION_DELIVERED)) == 1
    assert not events(EventType.NOTIFICATION_FAILED)


def signed_status(client, params, *, token=AUTH_TOKEN):
    url = "http://testserver" + reverse("twilio_status_callback")
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(reverse("twilio_status_callback"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_status_callback_marks_an_sms_delivered(client, world, twilio):
    notification = notification_send(notification_id=make_notification(world).pk, now=T0)
    params = {
        "MessageSid": notification.provider_id,
        "SmsSid": notification.provider_id,
        "MessageStatus": "delivered",
        "To": notification.address,
        "AccountSid": ACCOUNT_SID,
    }
    assert signed_status(client, params).status_code == 204
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.DELIVERED
    assert notification.delivered_at is not None
    assert len(events(EventType.NOTIFICATION_DELIVERED)) == 1


def test_status_callback_marks_an_unanswered_call_failed(client, world, twilio):
    twilio.replies.append((201, {"sid": "CA" + "c" * 32}))
    notification = notification_send(
        notification_id=make_notification(world, channel=ContactMethodKind.VOICE).pk, now=T0
    )
    params = {"CallSid": notification.provider_id, "CallStatus": "no-answer"}
    assert signed_status(client, params).status_code == 204
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert len(events(EventType.NOTIFICATION_FAILED)) == 1


def test_status_callback_in_between_statuses_change_nothing(client, world, twilio):
    notification = notification_send(notification_id=make_notification(world).pk, now=T0)
    params = {"MessageSid": notification.provider_id, "MessageStatus": "sent"}
    assert signed_status(client, params).status_code == 204
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    unknown = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}
    assert signed_status(client, unknown).status_code == 204


def test_status_callback_with_a_bad_signature_is_refused_and_logged(client, world, twilio, caplog):
    notification = notification_send(notification_id=make_notification(world).pk, now=T0)
    params = {"MessageSid": notification.provider_id, "MessageStatus": "delivered"}
    with caplog.at_level(logging.WARNING):
        response = signed_status(client, params, token="not-the-token")
    assert response.status_code == 403
    assert any("bad signature" in r.getMessage() for r in caplog.records)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_status_callback_needs_a_sid_and_a_status(client, world, twilio):
    assert signed_status(client, {"MessageStatus": "delivered"}).status_code == 400


# --- contact methods ------------------------------------------------------------------------


def test_phone_numbers_are_normalized_or_refused():
    assert phone_normalize("+1 (555) 010-2030") == "+15550102030"
    assert phone_normalize("+44 20 7946 0958") == "+442079460958"
    assert phone_normalize("555 010 2030") is None  # no country code
    assert phone_normalize("+1234567") is None  # 7 digits
    assert phone_normalize("+1234567890123456") is None  # 16 digits
    assert phone_normalize("+1 555 CALL NOW") is None


def test_contact_methods_replace_saves_in_order_and_logs(world):
    user = world.therapist.user
    rows = contact_methods_replace(
        user=user,
        by=user,
        methods=[
            ("voice", "+1 555 010 2030"),
            ("sms", "+15550102030"),
            ("email", "Tess@Harbour.TEST"),
            ("in_app", ""),
        ],
    )
    assert [(m.kind, m.address, m.position) for m in rows] == [
        ("voice", "+15550102030", 0),
        ("sms", "+15550102030", 1),
        ("email", "Tess@harbour.test", 2),
        ("in_app", "", 3),
    ]
    assert [m.kind for m in contact_methods_for(user)] == ["voice", "sms", "email", "in_app"]
    [event] = events(EventType.CONTACT_METHODS_CHANGED)
    assert event.practice == world.practice and event.actor == user
    assert "+15550102030" not in json.dumps(event.details)


@pytest.mark.parametrize(
    "methods",
    [
        [("sms", "555-0102")],
        [("voice", "")],
        [("email", "not-an-email")],
        [("email", "")],
        [("in_app", "somewhere")],
        [("pigeon", "roof")],
        [("sms", "+15550102030"), ("sms", "+1 555 010 2030")],
    ],
)
def test_contact_methods_replace_refuses_bad_input_and_saves_nothing(world, methods):
    user = world.therapist.user
    contact_methods_replace(user=user, by=user, methods=[("in_app", "")])
    with pytest.raises(ValidationError):
        contact_methods_replace(user=user, by=user, methods=methods)
    assert [m.kind for m in ContactMethod.objects.filter(user=user)] == ["in_app"]
    assert len(events(EventType.CONTACT_METHODS_CHANGED)) == 1


def test_contact_methods_default_to_app_email_and_phone(world):
    user = world.therapist.user
    assert [(m.kind, m.address) for m in contact_methods_for(user)] == [
        ("in_app", ""),
        ("email", "t@harbour.test"),
    ]
    user.phone = "+1 (555) 010-2030"
    user.save(update_fields=["phone"])
    assert [(m.kind, m.address) for m in contact_methods_for(user)][-1] == ("sms", "+15550102030")
    user.phone = "call the front desk"
    user.save(update_fields=["phone"])
    assert len(contact_methods_for(user)) == 2
    assert not ContactMethod.objects.exists()  # defaults are not saved


# --- pages ----------------------------------------------------------------------------------


def formset_data(rows, *, initial=0):
    data = {
        "methods-TOTAL_FORMS": str(len(rows)),
        "methods-INITIAL_FORMS": str(initial),
        "methods-MIN_NUM_FORMS": "0",
        "methods-MAX_NUM_FORMS": "10",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"methods-{index}-{key}"] = value
    return data


def test_contact_methods_page_saves_in_the_chosen_order(client, world):
    sign_in(client, world.therapist)
    assert client.get(reverse("contact_methods")).status_code == 200
    response = client.post(
        reverse("contact_methods"),
        formset_data(
            [
                {"kind": "email", "address": "tess@harbour.test", "ORDER": "2"},
                {"kind": "sms", "address": "+1 555 010 2030", "ORDER": "1"},
                {"kind": "", "address": "", "ORDER": ""},
            ]
        ),
    )
    assert response.status_code == 302
    assert [
        (m.kind, m.address) for m in ContactMethod.objects.filter(user=world.therapist.user)
    ] == [
        ("sms", "+15550102030"),
        ("email", "tess@harbour.test"),
    ]
    page = client.get(reverse("contact_methods")).content.decode()
    assert "+15550102030" in page


def test_contact_methods_page_shows_errors_and_saves_nothing(client, world):
    sign_in(client, world.operator)
    response = client.post(
        reverse("contact_methods"),
        formset_data(
            [
                {"kind": "sms", "address": "555 0102", "ORDER": "1"},
                {"kind": "email", "address": "nope", "ORDER": "2"},
                {"kind": "in_app", "address": "x", "ORDER": "3"},
            ]
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "+ then 8 to 15 digits" in page
    assert "Enter a valid email address" in page
    assert "In-app notifications need no address" in page
    assert not ContactMethod.objects.exists()
    assert not events(EventType.CONTACT_METHODS_CHANGED)


def test_contact_methods_page_refuses_a_repeated_method(client, world):
    sign_in(client, world.admin)
    response = client.post(
        reverse("contact_methods"),
        formset_data(
            [
                {"kind": "sms", "address": "+15550102030", "ORDER": "1"},
                {"kind": "sms", "address": "+1 555 010 2030", "ORDER": "2"},
            ]
        ),
    )
    assert response.status_code == 200
    assert "listed twice" in response.content.decode()
    assert not ContactMethod.objects.exists()


def test_clients_have_no_contact_methods_page(client, world):
    sign_in(client, world.client)
    assert client.get(reverse("contact_methods")).status_code == 403
    assert client.get(reverse("my_notifications")).status_code == 403


def test_my_notifications_lists_my_in_app_ones_newest_first_and_marks_them_delivered(client, world):
    message = receive(world, "Can we move Tuesday?", declared_purpose="logistics").message
    escalation = Escalation.objects.create(
        practice=world.practice, message=message, client=world.client, policy_snapshot={}
    )
    mine_old = make_notification(
        world,
        channel="in_app",
        address="",
        body="Older page",
        status="sent",
        created_at=T0 - timedelta(hours=1),
    )
    make_notification(
        world, channel="in_app", address="", body="Newer page", escalation=escalation, status="sent"
    )
    make_notification(world, channel="sms", body="An SMS, not in the app")
    make_notification(
        world, channel="in_app", address="", body="Someone else's", recipient=world.admin.user
    )
    sign_in(client, world.therapist)
    page = client.get(reverse("my_notifications")).content.decode()
    assert page.index("Newer page") < page.index("Older page")
    assert "An SMS, not in the app" not in page and "Someone else" not in page
    assert reverse("escalation:detail", args=[escalation.pk]) in page
    assert page.count("Open the escalation") == 1
    mine_old.refresh_from_db()
    assert mine_old.status == NotificationStatus.DELIVERED
    assert len(events(EventType.NOTIFICATION_DELIVERED)) == 2


def other_practice_notification(world):
    return make_notification(
        world,
        practice=world.other_practice,
        recipient=world.other_admin.user,
        channel="in_app",
        address="",
        body="Hillside page",
        provider="in_app",
        status="sent",
    )


def test_outbox_shows_the_practice_outbox_in_demo_mode(client, world, settings, no_twilio):
    settings.USES_EMBEDDED_SERVICES = True
    settings.DEBUG = False
    sent = make_notification(world, body="SMS to the outbox")
    notification_send(notification_id=sent.pk, now=T0)
    make_notification(world, channel="voice", body="Call waiting to go", created_at=T0)
    make_notification(world, channel="email", address="t@harbour.test", body="An email")
    other_practice_notification(world)
    sign_in(client, world.admin)
    response = client.get(reverse("outbox"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SMS to the outbox" in page and "Call waiting to go" in page
    assert "+15550102030" in page
    assert "An email" not in page
    assert "Hillside page" not in page


def test_outbox_is_for_admins_and_therapists(client, world, settings):
    settings.USES_EMBEDDED_SERVICES = True
    for membership, status in [
        (world.therapist, 200),
        (world.admin, 200),
        (world.operator, 403),
        (world.client, 403),
    ]:
        client.logout()
        sign_in(client, membership)
        assert client.get(reverse("outbox")).status_code == status, membership


def test_outbox_does_not_exist_outside_demo_or_debug_mode(client, world, settings):
    settings.USES_EMBEDDED_SERVICES = False
    settings.DEBUG = False
    assert client.get(reverse("outbox")).status_code == 404
    sign_in(client, world.admin)
    assert client.get(reverse("outbox")).status_code == 404
    settings.DEBUG = True
    assert client.get(reverse("outbox")).status_code == 200


def test_outbox_paginates_by_fifty(client, world, settings):
    settings.USES_EMBEDDED_SERVICES = True
    for index in range(51):
        make_notification(
            world,
            channel="in_app",
            address="",
            body=f"Page number {index:02d}.",
            created_at=T0 + timedelta(seconds=index),
        )
    sign_in(client, world.therapist)
    first = client.get(reverse("outbox")).content.decode()
    assert "Page number 50." in first and "Page number 00." not in first
    second = client.get(reverse("outbox") + "?page=2").content.decode()
    assert "Page number 00." in second
