"""No silent fake delivery in production: the production settings refuse to load (in a fresh
process, as at a real start) when pages would go to a log, memory, a stub or nowhere, and load
with a real configuration — including the throwaway one the Dockerfile collects static files with.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import contactpolicy.settings.production as s;"
    "print(s.EMAIL_BACKEND, s.SITE_URL, s.USES_EMBEDDED_SERVICES)"
)


def good_environment(tmp_path) -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://app@db.example.org/contactpolicy",
        "REDIS_URL": "redis://cache.example.org:6379/0",
        "SITE_URL": "https://contact.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "CONTACTPOLICY_VAR_DIR": str(tmp_path),
    }


def load_production(tmp_path, **changes: str | None) -> subprocess.CompletedProcess:
    """Import the production settings in a new interpreter with only the given environment
    (``None`` removes a variable from the good one)."""
    environment = {"PATH": os.environ["PATH"], **good_environment(tmp_path)}
    for name, value in changes.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refusal(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured: Production refuses to start:" in result.stderr, result.stderr
    return result.stderr


def test_a_real_configuration_starts(tmp_path):
    result = load_production(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "https://contact.example.org",
        "False",
    ]


def test_a_provider_backend_and_a_complete_twilio_start(tmp_path):
    result = load_production(
        tmp_path,
        EMAIL_HOST=None,
        EMAIL_BACKEND="anymail.backends.postmark.EmailBackend",
        TWILIO_ACCOUNT_SID="AC0123",
        TWILIO_AUTH_TOKEN="token",
        TWILIO_FROM_NUMBER="+15550100000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "anymail.backends.postmark.EmailBackend"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"EMAIL_HOST": None},
            "EMAIL_BACKEND is django.core.mail.backends.console.EmailBackend, which prints "
            "emails to the log instead of sending them: set EMAIL_HOST",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
            "locmem.EmailBackend, which keeps emails in memory instead of sending them",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
            "dummy.EmailBackend, which throws emails away",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
            "filebased.EmailBackend, which writes emails to files",
        ),
        (
            {"EMAIL_HOST": None, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"},
            "EMAIL_HOST must be set: the SMTP backend has no server to send to.",
        ),
        ({"SITE_URL": None}, "SITE_URL must be set to the app's public https address"),
        ({"SITE_URL": ""}, "SITE_URL must be set to the app's public https address"),
        (
            {"SITE_URL": "http://contact.example.org"},
            "SITE_URL must be an https:// address with a host name, not "
            "'http://contact.example.org'",
        ),
        ({"SITE_URL": "https://"}, "SITE_URL must be an https:// address with a host name"),
        (
            {"TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "token"},
            "Twilio is half configured (TWILIO_FROM_NUMBER missing)",
        ),
        (
            {"TWILIO_HTTP_CLIENT": "tests.services.stub_twilio.http_client"},
            "TWILIO_HTTP_CLIENT replaces Twilio's transport with a test stub",
        ),
        ({"REDIS_URL": None}, "REDIS_URL must be set to the production Redis"),
    ],
)
def test_production_refuses_fake_delivery(tmp_path, changes, message):
    assert message in refusal(load_production(tmp_path, **changes))


def test_every_problem_is_listed_at_once(tmp_path):
    stderr = refusal(load_production(tmp_path, EMAIL_HOST=None, SITE_URL=None, REDIS_URL=None))
    problems = [line for line in stderr.splitlines() if line.startswith("- ")]
    assert [problem.split()[1] for problem in problems] == [
        "EMAIL_BACKEND",
        "SITE_URL",
        "REDIS_URL",
    ]


def _dockerfile_collectstatic() -> str:
    """The Dockerfile's collectstatic command, with the build-only values it sets."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    (run,) = [line for line in joined.splitlines() if "collectstatic" in line]
    command = run.removeprefix("RUN ").split("&&")[0].strip()
    assert command.endswith("python manage.py collectstatic --noinput")
    return command


def test_the_dockerfile_collects_static_files_under_the_production_settings(tmp_path):
    command = _dockerfile_collectstatic()
    for name in ("SITE_URL", "EMAIL_HOST", "REDIS_URL"):
        assert f"{name}=" in command
    # Only for that one command: an ENV line would let a misconfigured container start.
    env_block = (ROOT / "Dockerfile").read_text().split("WORKDIR")[0]
    assert "SITE_URL" not in env_block and "EMAIL_HOST" not in env_block
    environment = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "contactpolicy.settings.production",
        "CONTACTPOLICY_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_compose_passes_the_env_file_to_every_app_service(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    environment = {"PATH": os.environ["PATH"], "SECRET_KEY": "s" * 60, "FIELD_ENCRYPTION_KEYS": "k"}
    result = subprocess.run(
        ["docker-compose", "-f", str(tmp_path / "docker-compose.yml"), "config"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for name in ("migrate", "web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["SITE_URL"] == "https://contact.example.org", name
        assert env["EMAIL_HOST"] == "smtp.example.org", name
        for key in (
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_FROM_NUMBER",
            "TWILIO_WEBHOOK_BASE_URL",
            "EMAIL_WEBHOOK_SECRET",
            "ENGINE_DEADMAN_URL",
        ):
            assert key in env, (name, key)
        # What the stack decides wins over the env file.
        assert env["DJANGO_SETTINGS_MODULE"] == "contactpolicy.settings.production"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SECRET_KEY"] == "s" * 60
    assert "SITE_URL" not in services["postgres"].get("environment", {})
