"""The demo practice: seeding is idempotent and every advertised login signs in."""

from django.urls import reverse

from agreements.models import Membership, User
from contactpolicy.demo import (
    DEMO_LOGINS,
    DEMO_RECOVERY_CODES,
    DEMO_STAFF,
    DEMO_TOTP_SECRET,
    demo_password,
    seed_demo,
)
from messaging.models import Message, Notification
from tests.factories import totp_code


def _demo_sign_in(client, email: str, second_factor: str | None = None) -> None:
    """Password, then for staff the documented demo TOTP secret's current code."""
    response = client.post(reverse("login"), {"username": email, "password": demo_password()})
    assert response.status_code == 302, email
    if email in DEMO_STAFF:
        code = second_factor or totp_code(DEMO_TOTP_SECRET)
        done = client.post(reverse("second_factor_verify"), {"code": code})
        assert done.status_code == 302, email


def test_seed_demo_is_idempotent_and_every_login_works(client, db):
    seed_demo()
    counts = (User.objects.count(), Membership.objects.count(), Message.objects.count())
    seed_demo()
    assert (User.objects.count(), Membership.objects.count(), Message.objects.count()) == counts
    for login in DEMO_LOGINS:
        client.cookies.clear()
        _demo_sign_in(client, login.email)
        assert client.get(reverse("home"), follow=True).status_code == 200
        client.logout()


def test_the_demo_practice_has_both_lines_and_every_client_a_phone(db):
    from agreements.phones import phone_normalize
    from contactpolicy.demo import DEMO_AFTER_HOURS_LINE, DEMO_PHONE_LINE

    practice = seed_demo()
    assert (practice.phone_line, practice.after_hours_line) == (
        DEMO_PHONE_LINE,
        DEMO_AFTER_HOURS_LINE,
    )
    clients = Membership.objects.filter(practice=practice, role="client").select_related("user")
    assert clients.count() == 3
    for membership in clients:
        assert phone_normalize(membership.user.phone) == membership.user.phone, membership


def test_the_operator_demo_login_opens_the_phone_console(client, db):
    seed_demo()
    operator = next(login for login in DEMO_LOGINS if login.role == "operator")
    assert Membership.objects.get(user__email=operator.email).role == "operator"
    _demo_sign_in(client, operator.email, second_factor=DEMO_RECOVERY_CODES[0])
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("operator_console")


def test_every_demo_staff_login_needs_the_second_factor(client, db):
    seed_demo()
    for email in DEMO_STAFF:
        client.cookies.clear()
        client.post(reverse("login"), {"username": email, "password": demo_password()})
        assert client.get(reverse("home"))["Location"].startswith(reverse("second_factor_verify"))


def test_the_demo_totp_secret_and_recovery_codes_are_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert DEMO_TOTP_SECRET in readme
    assert DEMO_RECOVERY_CODES[0] in readme and DEMO_RECOVERY_CODES[-1] in readme


def test_every_demo_login_is_listed_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for login in DEMO_LOGINS:
        assert f"| {login.email} |" in readme, login.email


def test_the_runstack_banner_lists_every_demo_login():
    import io
    import threading

    from contactpolicy.management.commands.runstack import Command

    out = io.StringIO()
    command = Command(stdout=out)
    command._output_lock, command._colour = threading.Lock(), False
    command._announce("http://127.0.0.1:8000/")
    for login in DEMO_LOGINS:
        assert login.email in out.getvalue(), login.email
    assert "operator@demo.test" in out.getvalue()


def test_seed_demo_links_point_at_the_address_the_stack_serves_on(db, monkeypatch):
    import io
    import re

    from django.core.management import call_command

    monkeypatch.delenv("SITE_URL", raising=False)
    stderr = io.StringIO()
    call_command(
        "seed_demo", "--host", "0.0.0.0", "--port", "8123", stdout=io.StringIO(), stderr=stderr
    )
    links = {
        link
        for notification in Notification.objects.all()
        for link in re.findall(r"https?://[^\s/]+", str(notification.body))
    }
    assert links == {"http://127.0.0.1:8123"}, links
    # The month of history reports its progress, and ends with a line that says it is done.
    assert "Seeding a month of demo history" in stderr.getvalue()
    assert "done in" in stderr.getvalue().splitlines()[-1]


def test_local_site_url_reaches_a_wildcard_bind_through_loopback():
    from contactpolicy.demo import local_site_url

    assert local_site_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert local_site_url("::", 8080) == "http://[::1]:8080"
    assert local_site_url("192.168.1.5", 9000) == "http://192.168.1.5:9000"
