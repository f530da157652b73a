"""Static files as production serves them: collected with whitenoise's
CompressedManifestStaticFilesStorage (the production setting), each text asset also written
gzip- and brotli-compressed, hashed names served with far-future cache headers and the
compressed variant the browser accepts."""

import gzip
import os
import secrets
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_collects_static_files_compressed_and_hashed(tmp_path):
    """The production settings (loaded in a fresh interpreter, as at a real start) use this
    storage and serve the files with whitenoise."""
    environment = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://app@db.example.org/contactpolicy",
        "REDIS_URL": "redis://cache.example.org:6379/0",
        "SITE_URL": "https://contact.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "CONTACTPOLICY_VAR_DIR": str(tmp_path),
    }
    script = (
        "import contactpolicy.settings.production as s;"
        "print(s.STORAGES['staticfiles']['BACKEND']);"
        "print('whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == [PRODUCTION_STORAGE, "True"], result.stderr


@pytest.fixture
def collected(tmp_path, settings):
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    with override_settings(STATIC_ROOT=str(tmp_path), STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield tmp_path


def _hashed(root: Path, pattern: str) -> Path:
    (path,) = [p for p in root.glob(pattern) if p.suffix not in (".gz", ".br")]
    return path


def test_each_text_asset_has_gzip_and_brotli_variants(collected):
    for pattern in (
        "css/app.*.css",
        "vendor/bootstrap/bootstrap.min.*.css",
        "vendor/bootstrap/bootstrap.bundle.min.*.js",
    ):
        original = _hashed(collected, pattern)
        raw = original.read_bytes()
        assert gzip.decompress(Path(f"{original}.gz").read_bytes()) == raw
        br = Path(f"{original}.br").read_bytes()
        assert brotli.decompress(br) == raw
        assert len(br) < len(raw), original.name
        if "vendor" in pattern:
            assert len(br) < len(raw) / 3, original.name


def test_hashed_files_are_served_compressed_with_far_future_cache_headers(collected, settings):
    with override_settings(STATIC_ROOT=str(collected), DEBUG=False):
        middleware = WhiteNoiseMiddleware(lambda request: pytest.fail("not served as static"))
        css = _hashed(collected, "vendor/bootstrap/bootstrap.min.*.css")
        url = f"/{settings.STATIC_URL.strip('/')}/vendor/bootstrap/{css.name}"
        response = middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip, br"))
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert "immutable" in response["Cache-Control"]
        assert "max-age=315360000" in response["Cache-Control"]
        assert "Accept-Encoding" in response["Vary"]
        body = b"".join(response.streaming_content)
        assert brotli.decompress(body) == css.read_bytes()
