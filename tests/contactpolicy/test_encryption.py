"""Encryption at rest: raw SQL shows tokens, the ORM shows text, keys rotate, logs stay clean."""

import logging
import os
import secrets
import stat
import subprocess
import sys
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from agreements import services
from agreements.models import SafetyPlan
from contactpolicy import crypto
from contactpolicy.fields import encrypted_columns_rewrite
from contactpolicy.management.commands.rotate_encryption_keys import encrypted_models
from messaging.escalation import lifecycle as engine
from messaging.inbox import services as inbox_services
from messaging.intake.services import message_receive
from messaging.models import ContactEvent, Escalation, Message, SessionNote, TriageDecision
from messaging.notifications.selectors import notifications_due
from messaging.notifications.services import notification_send

ROOT = Path(__file__).resolve().parents[2]
NEW = settings.FIELD_ENCRYPTION_TEST_PRIMARY_KEY
OLD = settings.FIELD_ENCRYPTION_TEST_OLD_KEY

CRISIS = "I took all my pills tonight and I want it to be over, zebra-orchid"
NOTE = "Talk about my sister and the lighthouse trip"
PLAN = {
    "warning_signs": "Not sleeping; giving away the blue guitar",
    "coping_strategies": "Walk the dog along the canal",
    "reasons_for_living": "My niece Marigold",
}
RETRIAGE_REASON = "Spoke to her on the phone; she is with her brother now"


def raw(table: str, column: str, pk: int) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def assert_token(value: str, *plaintexts: str) -> None:
    assert isinstance(value, str) and value.startswith("gAAAAA"), value[:40]
    for text in plaintexts:
        for word in text.split():
            if len(word) > 4:
                assert word not in value


@pytest.fixture
def records(world):
    """A crisis message with its triage and a clinician's re-triage, a note, a safety plan."""
    received = message_receive(
        practice=world.practice, channel="portal", body=CRISIS, sender=world.client
    )
    retriaged = inbox_services.message_retriage(
        message=received.message,
        by=world.therapist.user,
        category="crisis",
        disposition="escalate",
        reason=RETRIAGE_REASON,
    )
    note = inbox_services.session_note_save(client=world.client, body=NOTE)
    plan = services.safety_plan_update(client=world.client, by=world.client.user, sections=PLAN)
    return received.message, received.decision, retriaged, note, plan


# --- at rest ------------------------------------------------------------------------------


def test_raw_sql_shows_only_tokens(records):
    message, decision, retriaged, note, plan = records
    assert decision.matches, "the crisis text should have matched detector phrases"
    assert_token(raw("messaging_message", "body", message.pk), CRISIS)
    assert_token(raw("messaging_sessionnote", "body", note.pk), NOTE)
    phrases = " ".join(m["phrase"] for m in decision.matches)
    assert_token(raw("messaging_triagedecision", "matches", decision.pk), phrases)
    assert_token(raw("messaging_triagedecision", "suppressed", decision.pk))
    assert_token(raw("messaging_triagedecision", "reason", retriaged.pk), RETRIAGE_REASON)
    for section, text in PLAN.items():
        assert_token(raw("agreements_safetyplan", section, plan.pk), text)


def test_the_orm_reads_plain_text(records):
    message, decision, retriaged, note, plan = records
    assert Message.objects.get(pk=message.pk).body == CRISIS
    assert SessionNote.objects.get(pk=note.pk).body == NOTE
    stored = TriageDecision.objects.get(pk=decision.pk)
    assert stored.matches == decision.matches and isinstance(stored.matches, list)
    assert any(CRISIS[m["start"] : m["end"]] == m["phrase"] for m in stored.matches)
    assert stored.suppressed == decision.suppressed
    assert TriageDecision.objects.get(pk=retriaged.pk).reason == RETRIAGE_REASON
    fresh = SafetyPlan.objects.get(pk=plan.pk)
    for section, text in PLAN.items():
        assert getattr(fresh, section) == text
    fresh.full_clean()  # forms and validation see text too


def test_empty_text_is_stored_empty_and_tokens_are_never_repeated(records):
    *_, plan = records
    assert raw("agreements_safetyplan", "distractions", plan.pk) == ""
    assert SafetyPlan.objects.get(pk=plan.pk).distractions == ""
    assert crypto.encrypt("same text") != crypto.encrypt("same text")


def test_the_migration_helper_encrypts_plain_rows_once_and_can_undo_it(records):
    message, *_ = records
    with connection.cursor() as cursor:
        cursor.execute("UPDATE messaging_message SET body = %s WHERE id = %s", [CRISIS, message.pk])
    with pytest.raises(crypto.FieldDecryptionError, match="not encrypted"):
        Message.objects.get(pk=message.pk)

    class Editor:  # what RunPython hands the helper
        pass

    editor = Editor()
    editor.connection = connection
    args = (django_apps, editor)
    rewritten = encrypted_columns_rewrite(*args, model="messaging.Message", columns=["body"])
    assert rewritten == 1
    assert_token(raw("messaging_message", "body", message.pk), CRISIS)
    assert encrypted_columns_rewrite(*args, model="messaging.Message", columns=["body"]) == 0
    assert Message.objects.get(pk=message.pk).body == CRISIS
    encrypted_columns_rewrite(*args, model="messaging.Message", columns=["body"], decrypt=True)
    assert raw("messaging_message", "body", message.pk) == CRISIS


# --- queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lookup",
    [
        {"body__icontains": "pills"},
        {"body": CRISIS},
        {"body__startswith": "I"},
        {"body__lower": "x"},
        {"current_decision__matches__contains": "pills"},
        {"current_decision__reason": ""},
    ],
)
def test_filtering_on_an_encrypted_field_is_a_clear_error(db, lookup):
    with pytest.raises(FieldError, match=r"encrypted at rest.*only `__isnull` works"):
        list(Message.objects.filter(**lookup))


def test_isnull_still_works(records):
    assert Message.objects.filter(body__isnull=False).exists()
    assert not SessionNote.objects.filter(body__isnull=True).exists()


# --- keys ---------------------------------------------------------------------------------


def test_rotation_re_encrypts_old_rows_with_the_new_primary(world):
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):  # written before the new key came
        old = message_receive(
            practice=world.practice, channel="portal", body=CRISIS, sender=world.client
        ).message
        note = inbox_services.session_note_save(client=world.client, body=NOTE)
        plan = services.safety_plan_update(client=world.client, by=world.client.user, sections=PLAN)
    current = message_receive(  # written after: already on the new key
        practice=world.practice, channel="portal", body="Can we move Tuesday?", sender=world.client
    ).message
    Fernet(NEW).decrypt(raw("messaging_message", "body", current.pk).encode())
    token = raw("messaging_message", "body", old.pk)
    Fernet(OLD).decrypt(token.encode())
    with pytest.raises(InvalidToken):
        Fernet(NEW).decrypt(token.encode())
    events = ContactEvent.objects.count()

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        out = StringIO()
        call_command("rotate_encryption_keys", "--dry-run", stdout=out)
        assert "would re-encrypt" in out.getvalue()
        assert raw("messaging_message", "body", old.pk) == token, "a dry run writes nothing"

        out, progress = StringIO(), StringIO()
        call_command("rotate_encryption_keys", "--batch-size", "2", stdout=out, stderr=progress)
    report = out.getvalue()
    # Progress and an estimate on stderr, counts only; it ends with every row seen.
    lines = progress.getvalue().splitlines()
    assert lines[-1].startswith("Re-encrypting: ") and "done in" in lines[-1]
    done, total = lines[-1].split(": ")[1].split(" ")[0].split("/")
    assert done == total
    assert CRISIS not in progress.getvalue() and "gAAAAA" not in progress.getvalue()
    assert "messaging.Message:" in report and "agreements.SafetyPlan:" in report
    assert "ContactEvent" not in report
    assert CRISIS not in report and "gAAAAA" not in report and NEW not in report

    for table, column, pk in [
        ("messaging_message", "body", old.pk),
        ("messaging_sessionnote", "body", note.pk),
        ("agreements_safetyplan", "warning_signs", plan.pk),
        ("messaging_triagedecision", "matches", old.current_decision_id),
    ]:
        Fernet(NEW).decrypt(raw(table, column, pk).encode())  # no longer needs the old key

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):  # the old key is dropped
        assert Message.objects.get(pk=old.pk).body == CRISIS
        assert SessionNote.objects.get(pk=note.pk).body == NOTE
        assert SafetyPlan.objects.get(pk=plan.pk).warning_signs == PLAN["warning_signs"]
        out = StringIO()
        call_command("rotate_encryption_keys", stdout=out)
        assert "Total: 0 value(s) re-encrypted" in out.getvalue()
    assert ContactEvent.objects.count() == events


def test_rotation_never_overwrites_an_edit_made_meanwhile(records):
    message, *_ = records
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        message.body = "first version"
        message.save(update_fields=["body"])
    token = raw("messaging_message", "body", message.pk)

    from contactpolicy.management.commands.rotate_encryption_keys import Command

    original = Command.rotated_value

    def edit_then_rotate(value, what):
        result = original(value, what)
        if value == token:  # the app saves a new version between the read and the write
            Message.objects.filter(pk=message.pk).update(body="second version")
        return result

    out = StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Command, "rotated_value", staticmethod(edit_then_rotate))
        call_command("rotate_encryption_keys", stdout=out)
    assert "1 changed by the app meanwhile" in out.getvalue()
    assert Message.objects.get(pk=message.pk).body == "second version"


def test_the_models_with_encrypted_fields_are_found_and_the_log_is_not_one_of_them():
    found = {model._meta.label: [f.name for f in fields] for model, fields in encrypted_models()}
    assert found == {
        "agreements.SafetyPlan": list(SafetyPlan.SECTIONS),
        "messaging.CaringContact": ["body"],
        "messaging.InboundEnvelope": ["raw", "intake"],
        "messaging.Message": ["body"],
        "messaging.Notification": ["body"],
        "messaging.SessionNote": ["body"],
        "messaging.TriageDecision": ["rules", "matches", "suppressed", "reason"],
    }


def test_a_wrong_key_is_a_clear_error_without_key_or_text(records):
    message, *_ = records
    wrong = Fernet.generate_key().decode()
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[wrong]),
        pytest.raises(crypto.FieldDecryptionError) as error,
    ):
        Message.objects.get(pk=message.pk)
    text = str(error.value)
    assert "messaging.Message.body" in text and "FIELD_ENCRYPTION_KEYS" in text
    assert wrong not in text and NEW not in text and "pills" not in text
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_rotation_reports_values_no_key_opens(records):
    wrong = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[wrong]), pytest.raises(CommandError) as error:
        call_command("rotate_encryption_keys", stdout=StringIO())
    assert "UNREADABLE" not in str(error.value) and "do not drop any old key" in str(error.value)
    assert "messaging.Message (id.field:" in str(error.value)


def test_an_invalid_key_is_a_clear_error_without_the_key(db):
    bad = "not-a-fernet-key-" + secrets.token_hex(8)
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW, bad]),
        pytest.raises(ImproperlyConfigured) as e,
    ):
        crypto.encrypt("hello")
    assert "key 2 of 2 is not a valid Fernet key" in str(e.value)
    assert bad not in str(e.value) and NEW not in str(e.value)
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_keys_come_as_a_comma_separated_list():
    assert crypto.parse_keys(" a, b ,,") == ("a", "b")
    assert crypto.parse_keys(["a", " "]) == ("a",)
    assert crypto.parse_keys("") == ()


def test_the_dev_key_file_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "var" / "field-encryption.key"
    key = crypto.load_or_create_key_file(path)
    Fernet(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert crypto.load_or_create_key_file(path) == key
    assert not [p for p in path.parent.iterdir() if p.name != path.name], "no temporary left"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "FIELD_ENCRYPTION_KEYS"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dev_mode_generates_a_key_file_and_reuses_it_across_restarts(tmp_path):
    encrypt = "from contactpolicy import crypto; print(crypto.encrypt('kept across restarts'))"
    first = _manage(
        "shell",
        "--no-imports",
        "-c",
        encrypt,
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.dev",
        CONTACTPOLICY_VAR_DIR=str(tmp_path),
    )
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip().splitlines()[-1]
    key_file = tmp_path / "field-encryption.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    decrypt = f"from contactpolicy import crypto; print(crypto.decrypt({token!r}))"
    second = _manage(
        "shell",
        "--no-imports",
        "-c",
        decrypt,
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.dev",
        CONTACTPOLICY_VAR_DIR=str(tmp_path),
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == "kept across restarts"


def test_production_refuses_to_start_without_encryption_keys(tmp_path):
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        CONTACTPOLICY_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr
    assert not (tmp_path / "field-encryption.key").exists(), "production never generates a key"


def test_production_refuses_an_invalid_key_without_printing_it(tmp_path):
    bad = "not-a-valid-fernet-key-" + secrets.token_hex(8)
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        FIELD_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},{bad}",
        CONTACTPOLICY_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "key 2 of 2 is not a valid Fernet key" in result.stderr
    assert bad not in result.stdout + result.stderr


# --- logs ---------------------------------------------------------------------------------


@contextmanager
def every_log_record():
    """Every record any logger emits, at DEBUG, SQL included."""
    captured: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler = Capture(logging.DEBUG)
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if logger is logging.getLogger() or not logger.propagate:
            logger.addHandler(handler)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield captured
    finally:
        connection.force_debug_cursor = debug_cursor
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(handler)


def record_text(record: logging.LogRecord) -> str:
    return logging.Formatter().format(record) + repr(vars(record))


def signed_sms(client, params):
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator("log-test-token").compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_no_log_record_holds_the_message_text(client, world, settings):
    settings.TWILIO_AUTH_TOKEN = "log-test-token"
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    world.therapist.user.phone = "+15550107777"
    world.therapist.user.save(update_fields=["phone"])
    sms_body = "i have the pills counted out and i want to die tonight, zebra-orchid"

    with every_log_record() as captured:
        portal = message_receive(
            practice=world.practice, channel="portal", body=CRISIS, sender=world.client
        )
        response = signed_sms(
            client,
            {"From": "+15550102030", "To": "+15550009000", "Body": sms_body, "MessageSid": "SM1"},
        )
        assert response.status_code == 200
        engine.escalation_tick()
        for notification_id in notifications_due():
            notification_send(notification_id=notification_id)
        # The client's second crisis joins the escalation the first one started.
        sms_escalation = Message.objects.get(provider_message_id="SM1").joined_escalation
        assert sms_escalation == Escalation.objects.get(message=portal.message)
        page = sms_escalation.notifications.filter(channel="sms", purpose="page").first()
        assert page is not None, "the therapist was paged by SMS"
        ack = signed_sms(
            client,
            {
                "From": "+15550107777",
                "To": "+15550009000",
                "Body": f"ACK {page.ack_code}",
                "MessageSid": "SM2",
            },
        )
        assert ack.status_code == 200 and b"Acknowledged" in ack.content

    assert portal.decision.disposition == "escalate"
    assert captured, "the capture saw nothing: it is not wired up"
    assert any("INSERT" in r.getMessage() for r in captured), "SQL was captured too"
    texts = [CRISIS, sms_body, "zebra-orchid", "i have the pills counted out"]
    phrases = [m["phrase"] for m in portal.decision.matches if len(m["phrase"]) > 8]
    assert phrases
    phrases += ["5550102030", "5550107777"]  # nor the phone numbers, outside the SQL
    for record in captured:
        text = record_text(record)
        # SQL statements carry addresses (not secret: they route replies); everything else
        # must show neither the text, nor the detector's phrases, nor the numbers.
        sql = record.name == "django.db.backends"
        for secret in texts + phrases[:-2] if sql else texts + phrases:
            assert secret not in text, f"{record.name}: {record.getMessage()[:200]}"


def test_triage_rules_do_not_quote_the_message_in_plain_text(records):
    _, decision, *_ = records
    stored = raw("messaging_triagedecision", "rules", decision.pk)
    for match in decision.matches:
        assert match["phrase"] not in stored
