"""Fuzzing every way in: random Unicode, NUL, lone surrogates, huge, empty and wrongly typed
fields. Whatever arrives, the answer is never a 5xx and the request is stored; and a crisis
sentence put anywhere in random text always escalates.

Each example is one real request through the URLconf (SMS signed with Twilio's own
``RequestValidator``). Examples share the test's database transaction.
"""

import itertools
import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from agreements.tokens import api_token_create
from messaging.models import InboundEnvelope, MessageStatus
from tests.factories import sign_in

AUTH_TOKEN = "twilio-test-auth-token"
EMAIL_SECRET = "email-webhook-test-secret"
CRISIS = "I am going to kill myself tonight"

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces the generic text strategy rarely draws on its own.
ODD = st.sampled_from(
    ["", " ", "\x00", "\x00\x00", "\r\n", "\t", "\ufeff", "\u202e", "\ufffd", "ＡＢＣ", "💥", "é"]
)
SURROGATES = st.sampled_from(["\ud800", "\udfff", "\udbff\udbff", "a\udc00b"])


def texts(*, surrogates=False, max_pieces=8):
    """Random text: Unicode, NUL, controls; with ``surrogates``, lone ones too (JSON only:
    a form post cannot carry them)."""
    piece = st.one_of(st.text(max_size=30), ODD, *([SURROGATES] if surrogates else []))
    return st.lists(piece, max_size=max_pieces).map("".join)


def huge(max_chars):
    return st.tuples(st.text(min_size=1, max_size=8), st.integers(1_000, max_chars)).map(
        lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]]
    )


def form_values(max_chars=30_000):
    return st.one_of(texts(), huge(max_chars))


JSON_ANY = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        texts(surrogates=True),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def json_field(good):
    """A field as it should be, or anything else JSON can carry."""
    return st.one_of(good, JSON_ANY, huge(30_000))


@pytest.fixture(autouse=True)
def _provider_secrets(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.EMAIL_WEBHOOK_SECRET = EMAIL_SECRET
    settings.TWILIO_WEBHOOK_BASE_URL = ""


SIDS = itertools.count(1)


def post_sms(client, params):
    """Form-encoded and signed, as Twilio posts."""
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(
        reverse("sms_inbound"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def post_email(client, raw: bytes):
    return client.post(
        reverse("email_inbound"),
        raw,
        content_type="application/json",
        HTTP_X_WEBHOOK_SECRET=EMAIL_SECRET,
    )


def post_api(client, token, raw: bytes):
    return client.post(
        "/api/v1/messages", raw, content_type="application/json", HTTP_AUTHORIZATION=token
    )


def as_json(value) -> bytes:
    # ensure_ascii: a lone surrogate travels as its \\u escape, as a real client would send it.
    return json.dumps(value).encode()


def stored_one(before: int) -> bool:
    return InboundEnvelope.objects.count() == before + 1


@pytest.fixture
def api_token(world):
    return "Bearer " + api_token_create(user=world.client.user, name="Fuzz")[1]


# --- never a 5xx, always stored ----------------------------------------------------------


@FUZZ
@given(
    sender=st.one_of(st.just("+15550001111"), texts(), huge(2_000)),
    to=texts(),
    body=form_values(),
    sid=st.one_of(texts(), huge(2_000)),
    extra=st.dictionaries(st.text(min_size=1, max_size=8), texts(), max_size=2),
)
def test_sms_webhook(client, world, sender, to, body, sid, extra):
    params = {**extra, "From": sender, "To": to, "Body": body, "MessageSid": sid}
    before = InboundEnvelope.objects.count()
    response = post_sms(client, params)
    assert response.status_code < 500
    assert stored_one(before)


@FUZZ
@given(
    payload=st.one_of(
        st.fixed_dictionaries(
            {
                "from": json_field(st.emails()),
                "text": json_field(texts(surrogates=True)),
                "message_id": json_field(texts()),
            },
            optional={"to": json_field(texts()), "subject": json_field(texts(surrogates=True))},
        ).map(as_json),
        JSON_ANY.map(as_json),
        st.binary(max_size=200),
    )
)
def test_email_webhook(client, world, payload):
    before = InboundEnvelope.objects.count()
    response = post_email(client, payload)
    assert response.status_code < 500
    assert stored_one(before)


@FUZZ
@given(
    payload=st.one_of(
        st.fixed_dictionaries(
            {
                "body": json_field(texts(surrogates=True)),
                "purpose": json_field(st.sampled_from(["logistics", "clinical", "urgent"])),
                "emergency": json_field(st.booleans()),
            },
            optional={"emergancy": JSON_ANY},
        ).map(as_json),
        JSON_ANY.map(as_json),
        st.binary(max_size=200),
    )
)
def test_client_api(client, world, api_token, payload):
    before = InboundEnvelope.objects.count()
    response = post_api(client, api_token, payload)
    assert response.status_code < 500
    assert response.status_code in (201, 202, 400, 422), response.content
    assert stored_one(before)


@FUZZ
@given(
    emergency=st.one_of(st.sampled_from(["yes", "no"]), texts()),
    purpose=st.one_of(st.sampled_from(["logistics", "clinical", "urgent"]), texts()),
    body=st.one_of(texts(), huge(6_000)),
)
def test_portal_compose(client, world, emergency, purpose, body):
    sign_in(client, world.client)
    before = InboundEnvelope.objects.count()
    response = client.post(
        reverse("message_compose"), {"emergency": emergency, "purpose": purpose, "body": body}
    )
    assert response.status_code < 500
    assert stored_one(before)


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            "emergency": st.one_of(st.sampled_from(["yes", "no"]), texts()),
            "purpose": st.one_of(st.sampled_from(["", "logistics", "urgent"]), texts()),
            "caller_phone": st.one_of(texts(), huge(2_000)),
            "caller_name": st.one_of(texts(), huge(2_000)),
            "body": form_values(),
            "caller": st.one_of(
                st.integers(-(2**70), 2**70).map(str), texts(), st.just("²"), st.just("")
            ),
        }
    )
)
def test_operator_console(client, world, fields):
    sign_in(client, world.operator)
    before = InboundEnvelope.objects.count()
    response = client.post(reverse("operator_console"), fields)
    assert response.status_code < 500
    assert stored_one(before)


# --- a crisis anywhere always escalates ---------------------------------------------------------


def _with_crisis(filler: str, at: int) -> str:
    at = at % (len(filler) + 1)
    return f"{filler[:at]}\n{CRISIS}.\n{filler[at:]}"


def _escalated(envelope: InboundEnvelope) -> bool:
    return envelope.message is not None and envelope.message.status == MessageStatus.ESCALATED


CHANNELS = ["sms", "email", "api", "portal", "console"]


@settings(FUZZ, max_examples=40)
@given(
    channel=st.sampled_from(CHANNELS),
    filler=st.one_of(texts(max_pieces=20), huge(45_000)),
    at=st.integers(min_value=0),
)
def test_a_crisis_sentence_anywhere_escalates(client, world, api_token, channel, filler, at):
    body = _with_crisis(filler, at)
    if channel == "sms":
        response = post_sms(
            client,
            {
                "From": "+15550001111",
                "To": "+15550009000",
                "Body": body,
                "MessageSid": f"SMc{next(SIDS)}",
            },
        )
    elif channel == "email":
        response = post_email(
            client,
            as_json(
                {
                    "from": "x@elsewhere.test",
                    "to": "messages@harbour.test",
                    "text": body,
                    "message_id": f"<c{next(SIDS)}@x>",
                }
            ),
        )
    elif channel == "api":
        response = post_api(
            client,
            api_token,
            as_json({"body": body, "purpose": "logistics", "emergency": False}),
        )
    elif channel == "portal":
        sign_in(client, world.client)
        response = client.post(
            reverse("message_compose"), {"emergency": "no", "purpose": "logistics", "body": body}
        )
    else:
        sign_in(client, world.operator)
        response = client.post(
            reverse("operator_console"), {"emergency": "no", "purpose": "", "body": body}
        )
    assert response.status_code < 500
    envelope = InboundEnvelope.objects.select_related("message").order_by("-id").first()
    assert _escalated(envelope), (channel, envelope.status, envelope.refusal)
