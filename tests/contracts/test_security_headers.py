"""Every routed page — the authorization matrix's route list, as the persona it serves — carries
the strict Content-Security-Policy, Permissions-Policy and ``Cache-Control: no-store``, and its
HTML has no script without the request's nonce, no inline event handler and no style attribute
(which the policy would block)."""

import re

import pytest
from django.urls import reverse

from tests.contracts.test_authorization_matrix import MATRIX, PERSONAS, _sign_in

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def _persona_served(route: str) -> str:
    expected = MATRIX[route].expected
    return next((p for p in PERSONAS if expected[p] == 200), "anonymous")


def assert_secure_headers(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (d.strip() for d in policy.split(";")) if part
    )
    assert "script-src" in directives, f"{where}: no CSP script-src ({policy!r})"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where
    assert directives.get("object-src") == "'none'", where
    assert directives.get("frame-ancestors") == "'none'", where
    assert "camera=()" in response.get("Permissions-Policy", ""), where
    assert "microphone=()" in response["Permissions-Policy"], where
    assert "geolocation=()" in response["Permissions-Policy"], where
    assert "no-store" in response.get("Cache-Control", ""), where
    if "text/html" in response.get("Content-Type", "") and not response.streaming:
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
        for tag in SCRIPT_TAG.findall(html):
            if 'type="application/json"' in tag:
                continue
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, f"{where}: {tag}"
        assert not EVENT_HANDLER.search(html), f"{where}: {EVENT_HANDLER.search(html).group(0)}"
        assert not STYLE_ATTRIBUTE.search(html), f"{where}: {STYLE_ATTRIBUTE.search(html).group(0)}"


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_every_page_carries_csp_permissions_policy_and_no_store(client, world, route, settings):
    settings.USES_EMBEDDED_SERVICES = True
    row = MATRIX[route]
    persona = _persona_served(route)
    url = reverse(route, kwargs=row.kwargs(world))
    _sign_in(client, world, persona)
    response = getattr(client, row.method)(url, row.data(world))
    assert_secure_headers(response, f"{row.method.upper()} {url} as {persona}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_error_pages_carry_the_headers_too(client, world, persona):
    _sign_in(client, world, persona)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_secure_headers(response, f"404 as {persona}")
