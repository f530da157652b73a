"""Rate limits on the API: each token's reads, each client's messages, 429 with Retry-After —
and never a declared emergency or a message that reads as a crisis (property-tested)."""

from datetime import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agreements.tokens import api_token_create
from messaging.inbox.ratelimit import rate_limit_take
from messaging.models import EnvelopeStatus, InboundEnvelope
from tests.factories import FUZZ

CRISIS_TEXT = "I took all my pills and I want to die"
# Mid-minute, so a test's requests fall in one window.
FIXED_MOMENT = datetime(2026, 12, 1, 15, 0, 20).timestamp()


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _auth(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _send(client, raw, *, body="Can we move Tuesday?", emergency=False):
    return client.post(
        reverse("api:messages"),
        {"body": body, "purpose": "logistics", "emergency": emergency},
        content_type="application/json",
        **_auth(raw),
    )


def test_the_counter_opens_a_new_window_and_says_when():
    for _ in range(3):
        assert rate_limit_take(key="k", limit=3, window_seconds=60, now=FIXED_MOMENT) == 0
    assert rate_limit_take(key="k", limit=3, window_seconds=60, now=FIXED_MOMENT) == 40
    assert rate_limit_take(key="k", limit=3, window_seconds=60, now=FIXED_MOMENT + 40) == 0


def test_a_token_that_reads_too_often_gets_429_with_retry_after(client, world, settings):
    settings.API_TOKEN_READS_PER_MINUTE = 3
    _, raw = api_token_create(user=world.client.user, name="Poller")
    _, other = api_token_create(user=world.client.user, name="Other")
    statuses = [client.get(reverse("api:messages"), **_auth(raw)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(reverse("api:messages"), **_auth(raw))
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert "try again" in response.json()["detail"]
    # Per token: another token of the same person is not held back.
    assert client.get(reverse("api:messages"), **_auth(other)).status_code == 200


def test_too_many_messages_are_refused_with_crisis_help_but_kept(client, world, settings):
    settings.API_CLIENT_MESSAGES_PER_MINUTE = 2
    _, raw = api_token_create(user=world.client.user, name="Script")
    assert [_send(client, raw).status_code for _ in range(3)] == [201, 201, 429]
    response = _send(client, raw)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "988" in response.json()["detail"]
    refused = InboundEnvelope.objects.filter(status=EnvelopeStatus.REFUSED)
    assert refused.count() == 2 and {e.refusal for e in refused} == {"rate_limited"}


@FUZZ
@given(
    sends=st.lists(st.sampled_from(["routine", "declared", "detected"]), min_size=1, max_size=12)
)
def test_an_emergency_is_never_refused_by_the_limit(client, world, settings, sends):
    settings.API_CLIENT_MESSAGES_PER_MINUTE = 1
    cache.clear()
    _, raw = api_token_create(user=world.client.user, name="Burst")
    for kind in sends:
        response = _send(
            client,
            raw,
            body=CRISIS_TEXT if kind == "detected" else "Can we move Tuesday?",
            emergency=kind == "declared",
        )
        if kind == "routine":
            assert response.status_code in (201, 429)
        else:
            assert response.status_code in (201, 202), (kind, response.status_code)
            if response.status_code == 201:
                assert response.json()["category"] == "crisis"
