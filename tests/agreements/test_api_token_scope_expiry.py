"""API tokens expire (90 days by default, shown on the tokens page) and carry a scope: a
read-only token reads the thread and cannot send (its 403 still names crisis help)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from agreements.models import ApiTokenScope
from agreements.tokens import DEFAULT_LIFETIME, api_token_create
from messaging.models import EnvelopeStatus, InboundEnvelope
from tests.factories import FUZZ, sign_in


def _auth(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _send(client, raw, **body):
    return client.post(
        reverse("api:messages"),
        {"body": "Can we move Tuesday?", "purpose": "logistics", "emergency": False, **body},
        content_type="application/json",
        **_auth(raw),
    )


def test_a_token_expires_after_90_days_by_default(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    token, raw = api_token_create(user=world.client.user, name="Phone")
    assert token.expires_at == timezone.now() + DEFAULT_LIFETIME == timezone.now() + timedelta(90)
    assert client.get(reverse("api:messages"), **_auth(raw)).status_code == 200
    time_machine.shift(timedelta(days=90, seconds=-1))
    assert client.get(reverse("api:messages"), **_auth(raw)).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    assert client.get(reverse("api:messages"), **_auth(raw)).status_code == 401


def test_a_read_only_token_reads_but_cannot_send(client, world):
    _, raw = api_token_create(user=world.client.user, name="Reader", scope=ApiTokenScope.READ)
    assert client.get(reverse("api:messages"), **_auth(raw)).status_code == 200
    response = _send(client, raw)
    assert response.status_code == 403
    assert "only read" in response.json()["detail"] and "988" in response.json()["detail"]
    refused = InboundEnvelope.objects.get()  # stored first, then refused
    assert refused.status == EnvelopeStatus.REFUSED and refused.refusal == "read_only_token"
    _, writer = api_token_create(user=world.client.user, name="Writer")
    assert _send(client, writer).status_code == 201


def test_a_read_only_token_never_holds_back_an_emergency(client, world):
    _, raw = api_token_create(user=world.client.user, name="Reader", scope=ApiTokenScope.READ)
    declared = _send(client, raw, body="", purpose=None, emergency=True)
    assert declared.status_code == 201 and declared.json()["category"] == "crisis"
    detected = _send(client, raw, body="I took all my pills and I want to die")
    assert detected.status_code == 201 and detected.json()["category"] == "crisis"


def test_the_tokens_page_creates_with_scope_and_expiry_and_shows_them(client, world):
    sign_in(client, world.client)
    response = client.post(
        reverse("api_tokens"), {"name": "Shortcut", "scope": "read", "expires_in": "30"}
    )
    assert response.status_code == 200
    token = world.client.user.api_tokens.get()
    assert token.scope == ApiTokenScope.READ
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    page = client.get(reverse("api_tokens")).content.decode()
    assert "Read my messages" in page and f"expires {token.expires_at:%-d %b %Y}" in page
    assert "never used" in page


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x", "scope": "admin", "expires_in": "30"},
        {"name": "x", "scope": "read", "expires_in": "9999"},
        {"name": "x", "scope": "read", "expires_in": "\x00"},
    ],
)
def test_bad_token_choices_are_form_errors(client, world, data):
    sign_in(client, world.client)
    assert client.post(reverse("api_tokens"), data).status_code == 400
    assert not world.client.user.api_tokens.exists()


@FUZZ
@given(
    name=st.text(max_size=300),
    scope=st.one_of(st.text(max_size=20), st.sampled_from(["read", "write", ""])),
    expires_in=st.one_of(st.text(max_size=12), st.integers().map(str)),
)
def test_fuzzed_token_forms_never_5xx(client, world, name, scope, expires_in):
    sign_in(client, world.client)
    response = client.post(
        reverse("api_tokens"), {"name": name, "scope": scope, "expires_in": expires_in}
    )
    assert response.status_code in (200, 400)
