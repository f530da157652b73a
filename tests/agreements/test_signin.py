"""Signing in: lockout after wrong passwords and its admin unlock, reset throttling, the second
factor (TOTP enrolment with a code computed here, single-use recovery codes), idle and absolute
session limits, and what a changed or reset password revokes."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.models import ApiToken, User
from agreements.tokens import api_token_create, api_token_user
from contactpolicy.checks import check_second_factor_enforced
from tests.factories import (
    PASSWORD,
    enrol_second_factor,
    second_factor_code,
    sign_in_user,
    totp_code,
    totp_secret_of,
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Random Unicode with NUL, lone surrogates, huge and empty values, and digits that look like codes.
ODD_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "\x00", "\ud800", "a\udc00b", "12345\x00", "💥" * 40, " " * 64]),
    st.text(min_size=5000, max_size=20000),
    st.from_regex(r"\A[0-9 ]{0,12}\Z"),
)


def _post_raw(client, url: str, fields: dict[str, str]):
    """Form-encoded as a browser (or an attacker) sends it; lone surrogates go as the invalid
    UTF-8 bytes they would be on the wire."""
    body = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in fields.items()})
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def _password(client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


# -- lockout -----------------------------------------------------------------------------------


def test_a_brute_force_run_is_stopped_and_the_right_password_is_refused_until_unlocked(
    client, world, settings
):
    email = world.therapist.user.email
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _password(client, email, f"guess-{attempt}").status_code == 200
    locked = _password(client, email, "guess-last")
    assert locked.status_code == 429
    # The right password after the lockout is refused, with a message saying why.
    refused = _password(client, email, PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Signing in is paused" in page and "30 minutes" in page
    assert "_auth_user_id" not in client.session

    # A superuser unlocks it in the Django admin (delete the access attempt).
    root = User.objects.create_superuser(email="root@example.test", password=PASSWORD, name="R")
    admin_client = type(client)()
    sign_in_user(admin_client, root)
    attempts = list(AccessAttempt.objects.filter(username=email).values_list("pk", flat=True))
    assert attempts
    changelist = reverse("admin:axes_accessattempt_changelist")
    unlocked = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.filter(username=email).exists()
    assert _password(client, email, PASSWORD).status_code == 302


def test_the_lockout_counts_per_address_too(client, world, settings):
    """Guessing across many accounts from one address locks the address."""
    emails = [f"nobody{n}@harbour.test" for n in range(settings.AXES_FAILURE_LIMIT)]
    for email in emails:
        _password(client, email, "guess", address="198.51.100.9")
    refused = _password(client, world.client.user.email, PASSWORD, address="198.51.100.9")
    assert refused.status_code == 429
    # Another address is not affected.
    assert _password(client, world.client.user.email, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, world, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    email = world.client.user.email
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _password(client, email, f"guess-{attempt}")
    assert _password(client, email, PASSWORD).status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    assert _password(client, email, PASSWORD).status_code == 302


def test_an_admin_can_unlock_from_the_command_line(client, world, settings):
    email = world.client.user.email
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _password(client, email, f"guess-{attempt}")
    call_command("axes_reset_username", email)
    assert _password(client, email, PASSWORD).status_code == 302


# -- password reset throttle -------------------------------------------------------------------


def test_password_reset_requests_are_throttled_per_email_and_per_address(client, world, settings):
    email = world.client.user.email
    for _ in range(settings.PASSWORD_RESET_LIMIT_PER_EMAIL):
        response = client.post(reverse("password_reset"), {"email": email})
        assert response.status_code == 302
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    refused = client.post(reverse("password_reset"), {"email": email})
    assert refused.status_code == 429
    assert "Too many reset requests" in refused.content.decode()
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_EMAIL
    # Per address: many different emails from one address.
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
        client.post(
            reverse("password_reset"), {"email": f"x{n}@example.test"}, REMOTE_ADDR="192.0.2.5"
        )
    refused = client.post(
        reverse("password_reset"), {"email": "fresh@example.test"}, REMOTE_ADDR="192.0.2.5"
    )
    assert refused.status_code == 429


# -- the second factor ---------------------------------------------------------------------------


def test_staff_enrol_with_a_real_totp_code_and_recovery_codes_work_once(client, world):
    user = world.therapist.user
    assert _password(client, user.email, PASSWORD).status_code == 302
    # With a password alone: sent to the second factor, then (not enrolled) to set it up.
    assert client.get(reverse("therapist_inbox"))["Location"].startswith(
        reverse("second_factor_verify")
    )
    to_setup = client.get(reverse("second_factor_verify"))
    assert to_setup["Location"].startswith(reverse("second_factor_setup"))
    page = client.get(reverse("second_factor_setup")).content.decode()
    assert "<svg" in page and "QR code" in page  # drawn here, no third party sees the key
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post(reverse("second_factor_setup"), {"code": "000000"})
    if totp_code(secret) != "000000":
        assert wrong.status_code == 400
    done = client.post(reverse("second_factor_setup"), {"code": totp_code(secret)})
    codes = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("therapist_inbox")).status_code == 200
    assert totp_secret_of(user) == secret

    # Next sign-in: a recovery code works once.
    client.post(reverse("logout"))
    _password(client, user.email, PASSWORD)
    assert client.post(reverse("second_factor_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("therapist_inbox")).status_code == 200
    client.post(reverse("logout"))
    _password(client, user.email, PASSWORD)
    reused = client.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert reused.status_code == 400
    assert "only once" in reused.content.decode()
    assert client.get(reverse("therapist_inbox")).status_code == 302


def test_a_totp_code_is_not_accepted_twice(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = world.admin.user
    sign_in_user(client, user)  # enrols
    client.post(reverse("logout"))
    _password(client, user.email, PASSWORD)
    code = totp_code(totp_secret_of(user))
    # The code used at enrolment, in the same 30 seconds, is refused.
    assert client.post(reverse("second_factor_verify"), {"code": code}).status_code == 400
    time_machine.shift(timedelta(seconds=30))
    fresh = totp_code(totp_secret_of(user))
    assert client.post(reverse("second_factor_verify"), {"code": fresh}).status_code == 302


def test_the_api_refuses_a_staff_session_without_the_second_factor(client, world):
    _password(client, world.therapist.user.email, PASSWORD)
    response = client.get("/api/v1/messages")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")


def test_clients_may_enrol_and_then_need_the_second_factor(client, world):
    user = world.client.user
    sign_in_user(client, user)  # password alone: clients are not asked
    assert client.get(reverse("client_home")).status_code == 200
    enrol_second_factor(client, user)
    client.post(reverse("logout"))
    _password(client, user.email, PASSWORD)
    assert client.get(reverse("client_home")).status_code == 302
    assert (
        client.post(reverse("second_factor_verify"), {"code": second_factor_code(user)}).status_code
        == 302
    )
    assert client.get(reverse("client_home")).status_code == 200


@pytest.mark.parametrize("route", ["second_factor_verify", "second_factor_setup"])
@FUZZ
@given(code=ODD_TEXT)
def test_the_second_factor_forms_never_fail_on_any_input(client, world, route, code):
    _password(client, world.other_therapist.user.email, PASSWORD)
    response = _post_raw(client, reverse(route), {"code": code, "next": code})
    assert response.status_code < 500


@FUZZ
@given(email=ODD_TEXT)
def test_the_reset_form_never_fails_on_any_input(client, world, email):
    response = _post_raw(client, reverse("password_reset"), {"email": email})
    assert response.status_code in (200, 302, 429)


# -- sessions -------------------------------------------------------------------------------------


def test_an_idle_session_ends_at_30_minutes(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    sign_in_user(client, world.therapist.user)
    time_machine.shift(timedelta(minutes=29, seconds=59))
    assert client.get(reverse("therapist_inbox")).status_code == 200  # activity
    time_machine.shift(timedelta(minutes=29, seconds=59))
    status = client.get(reverse("session_status")).json()
    assert status == {"signed_in": True, "seconds_left": 1}
    time_machine.shift(timedelta(seconds=1))  # asking was not activity
    ended = client.get(reverse("therapist_inbox"))
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    page = client.get(ended["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


def test_stay_signed_in_keeps_the_session(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    sign_in_user(client, world.client.user)
    time_machine.shift(timedelta(minutes=29))
    assert client.post(reverse("session_keepalive")).json()["seconds_left"] == 30 * 60
    time_machine.shift(timedelta(minutes=29))
    assert client.get(reverse("client_home")).status_code == 200


def test_a_session_ends_12_hours_after_sign_in_however_active(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    sign_in_user(client, world.client.user)
    for _ in range(24):
        time_machine.shift(timedelta(minutes=29, seconds=59))
        if client.get(reverse("client_home")).status_code != 200:
            break
    # 24 × 29:59 is just under 12 hours: all of them were signed in.
    assert client.get(reverse("client_home")).status_code == 200
    time_machine.shift(timedelta(minutes=1))
    assert client.get(reverse("client_home")).status_code == 302


# -- password change and reset ---------------------------------------------------------------------


def test_a_password_change_signs_out_other_sessions_and_revokes_api_tokens(client, world):
    user = world.client.user
    _, raw = api_token_create(user=user, name="phone")
    other = type(client)()
    sign_in_user(other, user)
    sign_in_user(client, user)
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-9",
            "new_password2": "a-new-long-pass-9",
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("client_home")).status_code == 200  # this one stays
    assert other.get(reverse("client_home")).status_code == 302  # the other is signed out
    assert api_token_user(raw) is None
    assert not ApiToken.objects.filter(user=user, revoked_at=None).exists()


def test_a_password_reset_signs_out_every_session_and_revokes_api_tokens(client, world):
    user = world.therapist.user
    _, raw = api_token_create(user=user, name="script")
    signed_in = type(client)()
    sign_in_user(signed_in, user)
    user.refresh_from_db()  # the token covers the last sign-in time
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    form = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-pass-9", "new_password2": "a-new-long-pass-9"},
    )
    assert done.status_code == 302
    assert signed_in.get(reverse("therapist_inbox")).status_code == 302
    assert api_token_user(raw) is None


# -- the system check ---------------------------------------------------------------------------


def test_the_system_check_flags_missing_second_factor_enforcement(settings):
    assert check_second_factor_enforced(None) == []
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "agreements.signin.middleware.SecondFactorMiddleware"
    ]
    assert [e.id for e in check_second_factor_enforced(None)] == ["contactpolicy.E112"]
