"""The client API and personal API tokens: services, endpoints, pages, and a schemathesis run."""

import hashlib
import json
from datetime import datetime, timedelta

import pytest
import schemathesis
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agreements.models import ApiToken, Role
from agreements.tokens import api_token_create, api_token_revoke, api_token_user
from messaging.inbox.services import message_reply
from messaging.models import (
    ContactEvent,
    Disposition,
    EventType,
    InboundEnvelope,
    Message,
    MessageStatus,
)
from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS
from tests.factories import World, make_member, sign_in_user

# Until the API is mounted in contactpolicy/urls.py (and the token pages in agreements/urls.py).

MESSAGES = "/api/v1/messages"
CRISIS_TEXT = "I am going to kill myself tonight, I have the pills ready"


def message_url(message_id: int) -> str:
    return f"{MESSAGES}/{message_id}"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client: Client, raw: str, **payload) -> dict:
    body = {"body": "Can we move Tuesday to 3pm?", "purpose": "logistics", "emergency": False}
    response = client.post(
        MESSAGES, {**body, **payload}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def client_token(world: World) -> str:
    return api_token_create(user=world.client.user, name="Phone")[1]


# --- token services ------------------------------------------------------------------------


def test_token_is_returned_once_and_only_its_digest_is_stored(world):
    token, raw = api_token_create(user=world.client.user, name="  Phone  ")
    token.refresh_from_db()
    assert raw.startswith("cp_") and len(raw) > 40
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:8]
    assert token.name == "Phone"
    stored = " ".join(
        str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()
    )
    assert raw not in stored
    assert api_token_create(user=world.client.user, name="Phone")[1] != raw


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_token_needs_a_sensible_name(world, name):
    with pytest.raises(ValidationError):
        api_token_create(user=world.client.user, name=name)
    assert not ApiToken.objects.exists()


def test_token_finds_its_user_until_revoked(world):
    token, raw = api_token_create(user=world.client.user, name="Phone")
    assert api_token_user(raw) == world.client.user
    api_token_revoke(token=token, by=world.client.user)
    assert api_token_user(raw) is None


def test_only_the_owner_revokes_and_the_first_revocation_stands(world):
    token, _ = api_token_create(user=world.client.user, name="Phone")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, by=world.other_client.user)
    first = api_token_revoke(token=token, by=world.client.user).revoked_at
    assert api_token_revoke(token=token, by=world.client.user).revoked_at == first


def test_token_of_an_inactive_user_does_not_work(world):
    _, raw = api_token_create(user=world.client.user, name="Phone")
    world.client.user.is_active = False
    world.client.user.save(update_fields=["is_active"])
    assert api_token_user(raw) is None


@pytest.mark.parametrize(
    "guess",
    ["", "cp_", "cp_wrong", "Bearer", "not-a-token", "cp_" + "a" * 500, "cp_ünïcode", "\x00"],
)
def test_wrong_tokens_find_nobody(world, guess):
    api_token_create(user=world.client.user, name="Phone")
    assert api_token_user(guess) is None


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token, raw = api_token_create(user=world.client.user, name="Phone")
    api_token_user(raw)
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):  # the lookup; no write within the minute
        api_token_user(raw)
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    api_token_user(raw)
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(minutes=2)


# --- sending and reading with a token ------------------------------------------------------


def test_client_sends_a_message_with_a_token(client, world, client_token):
    data = send(client, client_token)
    message = Message.objects.get(pk=data["id"])
    assert message.client == world.client
    assert message.channel == "portal"
    assert message.declared_purpose == "logistics"
    assert message.declared_emergency is False
    assert data["body"] == "Can we move Tuesday to 3pm?"
    assert data["channel"] == "portal"
    assert data["status"] == message.status
    assert data["category"] == "logistics"
    assert data["disposition"] == message.current_decision.disposition
    assert data["crisis_help"] is False
    assert datetime.fromisoformat(data["sent_at"]).utcoffset() is not None
    [reply] = data["replies"]
    assert reply["automatic"] is True and reply["author"] is None and reply["body"]


def test_sent_body_is_trimmed_like_the_web_form(client, world, client_token):
    data = send(client, client_token, body="  Running late today.  \n")
    assert data["body"] == "Running late today."


def test_list_is_newest_first_with_replies_and_paginated(client, world, client_token):
    ids = [send(client, client_token, body=f"Message {n}")["id"] for n in range(3)]
    response = client.get(MESSAGES, {"limit": 2}, **bearer(client_token))
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 3
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert all(item["replies"] for item in page["items"])
    rest = client.get(MESSAGES, {"limit": 2, "offset": 2}, **bearer(client_token)).json()
    assert [item["id"] for item in rest["items"]] == ids[:1]
    assert client.get(MESSAGES, **bearer(client_token)).json()["count"] == 3


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}])
def test_list_rejects_bad_paging(client, world, client_token, query):
    response = client.get(MESSAGES, query, **bearer(client_token))
    assert response.status_code == 422
    assert "detail" in response.json()


def test_list_shows_only_own_messages(client, world, client_token):
    send(client, client_token)
    _, other = api_token_create(user=world.other_client.user, name="Other")
    assert client.get(MESSAGES, **bearer(other)).json() == {"count": 0, "items": []}


def test_list_queries_do_not_grow_with_the_thread(client, world, client_token):
    send(client, client_token)

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MESSAGES, **bearer(client_token)).status_code == 200
        return len(queries)

    one = list_queries()
    for n in range(4):
        send(client, client_token, body=f"More {n}")
    assert list_queries() == one


def test_detail_shows_replies_in_order_with_their_author(client, world, client_token):
    data = send(client, client_token)
    message = Message.objects.get(pk=data["id"])
    message_reply(message=message, by=world.therapist.user, body="Yes, 3pm works.")
    response = client.get(message_url(message.pk), **bearer(client_token))
    assert response.status_code == 200
    detail = response.json()
    assert detail["status"] == MessageStatus.REPLIED
    automatic, personal = detail["replies"]
    assert automatic["automatic"] is True and automatic["author"] is None
    assert personal == {
        "id": personal["id"],
        "body": "Yes, 3pm works.",
        "sent_at": personal["sent_at"],
        "automatic": False,
        "author": "Tess Therapist",
    }


def test_every_body_returned_is_a_logged_read(client, world, client_token):
    data = send(client, client_token)
    reply_id = data["replies"][0]["id"]
    client.get(MESSAGES, **bearer(client_token))
    client.get(message_url(data["id"]), **bearer(client_token))
    reads = ContactEvent.objects.filter(
        event_type=EventType.MESSAGE_READ, client=world.client, actor=world.client.user
    )
    assert reads.count() == 3  # the answer to the POST, the list, the detail
    assert all(set(event.details["messages"]) == {data["id"], reply_id} for event in reads)


def test_crisis_via_api_escalates_with_crisis_help_at_once(client, world, client_token):
    data = send(client, client_token, body=CRISIS_TEXT, purpose="logistics")
    assert data["status"] == MessageStatus.ESCALATED
    assert data["category"] == "crisis"
    assert data["disposition"] == Disposition.ESCALATE
    assert data["crisis_help"] is True
    assert "988" in data["replies"][0]["body"]
    assert ContactEvent.objects.filter(
        event_type=EventType.ESCALATION_REQUESTED, message_id=data["id"]
    ).exists()


def test_declared_emergency_escalates_whatever_the_words(client, world, client_token):
    data = send(client, client_token, body="Please call me.", emergency=True)
    assert data["crisis_help"] is True
    assert data["status"] == MessageStatus.ESCALATED
    assert "988" in data["replies"][0]["body"]


# --- who may call --------------------------------------------------------------------------


def test_no_credentials_is_401_json(client, world):
    for response in (
        client.get(MESSAGES),
        client.get(message_url(1)),
        client.post(MESSAGES, {}, content_type="application/json"),
    ):
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize("header", ["Bearer cp_nope", "Bearer ", "Basic abc", "cp_nope"])
def test_wrong_credentials_are_401(client, world, header):
    response = client.get(MESSAGES, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_revoked_token_is_401(client, world):
    token, raw = api_token_create(user=world.client.user, name="Phone")
    api_token_revoke(token=token, by=world.client.user)
    assert client.get(MESSAGES, **bearer(raw)).status_code == 401


@pytest.mark.parametrize("persona", ["therapist", "admin"])
def test_other_roles_are_403_with_a_token(client, world, persona):
    _, raw = api_token_create(user=getattr(world, persona).user, name="Script")
    for response in (
        client.get(MESSAGES, **bearer(raw)),
        client.post(
            MESSAGES,
            {"body": "hi", "purpose": "logistics", "emergency": False},
            content_type="application/json",
            **bearer(raw),
        ),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": "This API is for clients."}
    assert not Message.objects.exists()


def test_operator_session_is_403(client, world):
    operator = make_member("op@harbour.test", "Opal Operator", world.practice, Role.OPERATOR)
    sign_in_user(client, operator.user)
    response = client.get(MESSAGES)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_someone_elses_or_a_missing_message_is_404(client, world, client_token):
    _, other = api_token_create(user=world.other_client.user, name="Other")
    theirs = send(client, other)
    mine = send(client, client_token)
    for message_id in (theirs["id"], mine["replies"][0]["id"], 10**9, 2**63 - 1):
        response = client.get(message_url(message_id), **bearer(client_token))
        assert response.status_code == 404, message_id
        assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("message_id", ["0", "-1", "abc", str(2**63), "1.5"])
def test_impossible_ids_are_422_or_404(client, world, client_token, message_id):
    response = client.get(f"{MESSAGES}/{message_id}", **bearer(client_token))
    assert response.status_code in (404, 422)
    assert "detail" in response.json()


def test_wrong_method_is_405_json(client, world, client_token):
    response = client.delete(MESSAGES, **bearer(client_token))
    assert response.status_code == 405
    assert response.json() == {"detail": "Method not allowed."}
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


# --- the browser session -------------------------------------------------------------------


@pytest.fixture
def csrf_client(world) -> Client:
    browser = Client(enforce_csrf_checks=True)
    sign_in_user(browser, world.client.user)
    return browser


def test_session_reads_without_a_csrf_token(csrf_client, world):
    response = csrf_client.get(MESSAGES)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "items": []}


def test_session_post_without_csrf_token_is_403_json(csrf_client, world):
    response = csrf_client.post(
        MESSAGES,
        {"body": "Hello", "purpose": "logistics", "emergency": False},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert not Message.objects.exists()


def test_session_post_with_csrf_token_is_accepted(csrf_client, world):
    csrf_client.get(reverse("client_home"))  # any page with a form sets the CSRF cookie
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        MESSAGES,
        {"body": "Hello", "purpose": "clinical", "emergency": False},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).client == world.client


def test_therapist_session_is_403(client, world):
    sign_in_user(client, world.therapist.user)
    assert client.get(MESSAGES).status_code == 403


# --- bad input -----------------------------------------------------------------------------

GOOD = {"body": "Hello", "purpose": "logistics", "emergency": False}
BAD_BODIES = {
    "missing body": {k: v for k, v in GOOD.items() if k != "body"},
    "missing purpose": {k: v for k, v in GOOD.items() if k != "purpose"},
    "missing emergency": {k: v for k, v in GOOD.items() if k != "emergency"},
    "empty object": {},
    "empty body": {**GOOD, "body": ""},
    "whitespace body": {**GOOD, "body": " \n\t "},
    "too long body": {**GOOD, "body": "x" * (MESSAGE_BODY_MAX_CHARS + 1)},
    "body as number": {**GOOD, "body": 42},
    "body as null": {**GOOD, "body": None},
    "wrong purpose": {**GOOD, "purpose": "gossip"},
    "crisis is asked, not chosen": {**GOOD, "purpose": "crisis"},
    "emergency as string": {**GOOD, "emergency": "yes"},
    "emergency as number": {**GOOD, "emergency": 1},
    "unknown field": {**GOOD, "emergancy": True},
    "a list": [GOOD],
    "a string": "Hello",
}


@pytest.mark.parametrize("payload", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_is_422_and_saves_nothing(client, world, client_token, payload):
    response = client.post(
        MESSAGES, json.dumps(payload), content_type="application/json", **bearer(client_token)
    )
    assert response.status_code == 422, response.content
    assert isinstance(response.json()["detail"], list)
    assert not Message.objects.exists()
    assert not ContactEvent.objects.filter(event_type=EventType.MESSAGE_RECEIVED).exists()


def test_nul_and_lone_surrogates_are_taken_out_and_recorded(client, world, client_token):
    raw = b'{"body": "hi\\u0000there \\ud800", "purpose": "logistics", "emergency": false}'
    response = client.post(MESSAGES, raw, content_type="application/json", **bearer(client_token))
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert message.body == "hithere \ufffd"
    envelope = InboundEnvelope.objects.get(message=message)
    assert envelope.raw["text"] == raw.decode()
    assert envelope.changes == [
        {"field": "body", "change": "nul_removed"},
        {"field": "body", "change": "invalid_unicode_replaced"},
    ]


@pytest.mark.parametrize(
    "raw", [b"{not json", b'{"body": "Hello",', b"\xff\xfe", b'{"body": "\\ud800"}', b""]
)
def test_malformed_json_is_4xx_json_and_saves_nothing(client, world, client_token, raw):
    response = client.post(MESSAGES, raw, content_type="application/json", **bearer(client_token))
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()
    assert not Message.objects.exists()


def test_schema_is_published_with_error_responses(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/messages"]["post"]
    assert {"201", "400", "401", "403", "422"} <= set(post["responses"])
    detail = schema["paths"]["/api/v1/messages/{id}"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(detail["responses"])


# --- the token page ------------------------------------------------------------------------


def test_client_creates_a_token_and_sees_it_once(client, world):
    sign_in_user(client, world.client.user)
    response = client.post(reverse("api_tokens"), {"name": "Phone"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw_token"]
    assert raw.startswith("cp_") and raw in response.content.decode()
    assert api_token_user(raw) == world.client.user
    again = client.get(reverse("api_tokens"))
    assert raw not in again.content.decode()
    assert raw[:8] in again.content.decode()


def test_blank_token_name_shows_the_form_again(client, world):
    sign_in_user(client, world.client.user)
    response = client.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_client_revokes_own_token_only(client, world):
    mine, raw = api_token_create(user=world.client.user, name="Phone")
    theirs, _ = api_token_create(user=world.other_client.user, name="Theirs")
    sign_in_user(client, world.client.user)
    response = client.post(reverse("api_token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    response = client.post(reverse("api_token_revoke", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("api_tokens")
    assert api_token_user(raw) is None
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get(reverse("api_token_revoke", args=[mine.pk])).status_code == 405


@pytest.mark.parametrize(
    ("persona", "expected"), [("anonymous", 302), ("therapist", 403), ("admin", 403)]
)
def test_token_pages_are_for_clients(client, world, persona, expected):
    if persona != "anonymous":
        sign_in_user(client, getattr(world, persona).user)
    token, _ = api_token_create(user=world.client.user, name="Phone")
    assert client.get(reverse("api_tokens")).status_code == expected
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == expected


# --- the whole schema, fuzzed ----------------------------------------------------------------


@pytest.fixture
def api_schema(world, client_token):
    """The schema loaded from the app itself, with a thread to read (one crisis, one reply).

    Requests go through the real WSGI handler, which closes "old" database connections around
    each request; inside the test's transaction that would drop the test data on PostgreSQL, so
    the signal is held off as Django's own test client does.
    """
    client = Client()
    send(client, client_token, body=CRISIS_TEXT)
    routine = send(client, client_token, purpose="clinical")
    message_reply(
        message=Message.objects.get(pk=routine["id"]), by=world.therapist.user, body="Noted."
    )
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    # One database transaction serves every example; that is what these checks are about.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_errors_and_answers_as_documented(case, client_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {client_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
