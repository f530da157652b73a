"""``python -m tests.bench.page_weight``: what the main pages weigh over the wire.

Seeds the demo practice into a throwaway SQLite database, collects the static files with the
production storage (whitenoise's CompressedManifestStaticFilesStorage: hashed names, gzip and
brotli variants) into a temporary directory, renders each page as its demo user and adds up
what a browser with an empty cache downloads: the HTML as served (the app does not compress
HTML: BREACH, the pages carry CSRF tokens) and each stylesheet, script and icon the page links,
brotli-compressed as whitenoise serves them to a browser that accepts ``br`` (gzip in
brackets). A repeat visit downloads only the HTML: hashed files are cached for a year.
Writes ``page_weight`` to tests/bench/results.json (other keys kept) and prints a table.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
PAGES = (
    ("sign-in", None, "login"),
    ("client home", "client@demo.test", "client_home"),
    ("compose", "client@demo.test", "message_compose"),
    ("therapist inbox", "therapist@demo.test", "therapist_inbox"),
)
ASSET = re.compile(r"""<(?:link|script)\b[^>]*?(?:href|src)="(/static/[^"]+)\"""")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="page-weight-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.dev",
        CONTACTPOLICY_VAR_DIR=str(workdir),
        SQLITE_PATH=str(workdir / "db.sqlite3"),
        STATIC_ROOT=str(workdir / "static"),
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.urls import reverse

    from agreements.models import User
    from contactpolicy.demo import demo_password
    from tests.factories import sign_in_user

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    rows = []
    with override_settings(STORAGES=storages, ALLOWED_HOSTS=["testserver"]):
        call_command("collectstatic", "--noinput", verbosity=0)
        root = Path(settings.STATIC_ROOT)
        for name, email, route in PAGES:
            client = Client()
            if email:
                # The real sign-in: password, then for staff the demo TOTP.
                sign_in_user(client, User.objects.get(email=email), password=demo_password())
            response = client.get(reverse(route))
            assert response.status_code == 200, (name, response.status_code)
            html = response.content
            assets = sorted(set(ASSET.findall(html.decode())))
            br = gz = raw = 0
            for url in assets:
                path = root / url.removeprefix("/static/")
                raw += path.stat().st_size
                br += _size(path, ".br")
                gz += _size(path, ".gz")
            rows.append(
                {
                    "page": name,
                    "html_bytes": len(html),
                    "assets": len(assets),
                    "assets_bytes": raw,
                    "assets_br_bytes": br,
                    "assets_gzip_bytes": gz,
                    "first_visit_bytes": len(html) + br,
                    "repeat_visit_bytes": len(html),
                }
            )
    header = ("page", "HTML", "assets", "assets raw", "br (gzip)", "first visit")
    print("{:<16} {:>8} {:>7} {:>11} {:>17} {:>12}".format(*header))
    for row in rows:
        compressed = f"{row['assets_br_bytes']:,} ({row['assets_gzip_bytes']:,})"
        print(
            f"{row['page']:<16} {row['html_bytes']:>8,} {row['assets']:>7} "
            f"{row['assets_bytes']:>11,} {compressed:>17} {row['first_visit_bytes']:>12,}"
        )
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["page_weight"] = {"measured_at": datetime.now(UTC).isoformat(), "pages": rows}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _size(path: Path, suffix: str) -> int:
    compressed = path.with_name(path.name + suffix)
    # whitenoise keeps a compressed copy only when it is smaller than the original.
    return compressed.stat().st_size if compressed.exists() else path.stat().st_size


if __name__ == "__main__":
    sys.exit(main())
