"""Fault tests: real Celery worker(s) and beat against PostgreSQL and a private redis-server.

They run only when the suite's database is PostgreSQL (``DATABASE_URL=postgres://…``): the
workers connect to the very test database pytest-django created (``test_…``), so the tests use
``transactional_db`` and everything they write is committed and visible to the workers.

Each test gets its own ``redis-server`` on a free port (no persistence, data in the test's tmp
dir) that it may flush, kill and restart; the shared Redis is never touched. Workers and beats
log to files in the tmp dir; when a test fails those logs are printed with its report. Every
process is SIGKILLed by process group in teardown, before pytest-django empties the database.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from agreements.models import Membership
from messaging.models import EscalationPolicy, EscalationStep
from tests.bench.stack import Stack, postgres_url

from . import stub_twilio

HERE = Path(__file__).resolve().parent
NEEDS_POSTGRES = (
    "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactpolicy "
    "(the workers must share the test database)"
)
THERAPIST_PHONE = "+15550107777"


def _unavailable() -> str | None:
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return NEEDS_POSTGRES
    if shutil.which("redis-server") is None:
        return "needs the redis-server binary (apt-get install redis-server)"
    return None


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if HERE in Path(str(item.fspath)).resolve().parents]
    reason = _unavailable()
    for item in ours:
        item.add_marker(pytest.mark.services)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def provider_log(tmp_path) -> Path:
    """The stub provider's request log (one JSON line per SMS, call or email)."""
    return tmp_path / "provider.jsonl"


@pytest.fixture
def stack(request, transactional_db, tmp_path, provider_log):
    """A private Redis, started; workers and beats are started by each test as it needs them."""
    env = {
        "TWILIO_ACCOUNT_SID": "ACtest",
        "TWILIO_AUTH_TOKEN": "test",
        "TWILIO_FROM_NUMBER": "+15550000000",
        "TWILIO_HTTP_CLIENT": "tests.services.stub_twilio.factory",
        "EMAIL_BACKEND": "tests.services.stub_twilio.EmailBackend",
        # The workers read and write the test database's encrypted columns: same keys.
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        stub_twilio.LOG_ENV: str(provider_log),
    }
    stack = Stack(
        tmp_path / "stack",
        postgres_url(connection.settings_dict),
        tick_seconds=1.0,
        env=env,
    )
    try:
        stack.start_redis()
        yield stack
    finally:
        stack.close()
        failed = any(
            getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        if failed:
            print(f"\n---- process logs ({stack.workdir}) ----\n{stack.logs_text()}")


@dataclass
class Paging:
    """The world's default policy with three steps, and a phone for the therapist's SMS page."""

    policy: EscalationPolicy
    therapist: Membership
    backup: Membership


@pytest.fixture
def paging(world) -> Paging:
    """Step 1 pages the client's therapist (in the app, email, SMS), step 2 the named backup
    (in the app, email: no phone, so the SMS counter only ever sees the therapist's pages),
    step 3 the admins; one minute between steps (the model's unit; tests pull the timer in)."""
    world.therapist.user.phone = THERAPIST_PHONE
    world.therapist.user.save(update_fields=["phone"])
    policy = EscalationPolicy.objects.get(practice=world.practice, is_default=True)
    policy.repeat_count = 1
    policy.save(update_fields=["repeat_count"])
    policy.steps.all().delete()
    for position, (action, target) in enumerate(
        [
            ("notify_therapist", None),
            ("notify_user", world.other_therapist),
            ("notify_admins", None),
        ]
    ):
        EscalationStep.objects.create(
            policy=policy, position=position, action=action, target=target, wait_minutes=1
        )
    return Paging(policy=policy, therapist=world.therapist, backup=world.other_therapist)
