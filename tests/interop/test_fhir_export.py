"""The FHIR export of a client's record: a Bundle that validates (parsed back with
fhir.resources), its contents per resource type, who may have it, the break-glass rule for
message texts, the contact-log row of every export and a constant number of queries."""

import json
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.tokens import api_token_create
from messaging.contactlog.access import visible_events
from messaging.inbox.services import message_reply
from messaging.interop.services import client_fhir_export
from messaging.models import ContactEvent, EventType
from tests.factories import TUESDAY_10AM, activate_agreement, receive, sign_in

REASON = "Transfer to the EHR at discharge"


def _history(world, messages: int = 2) -> None:
    activate_agreement(world)
    for n in range(messages):
        received = receive(world, f"Can we move session {n} to 3pm?", declared_purpose="logistics")
        message_reply(message=received.message, by=world.therapist.user, body=f"Yes, reply {n}")


def _parsed(response) -> Bundle:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/fhir+json")
    return Bundle.model_validate_json(response.content)


def _by_type(bundle: Bundle) -> dict[str, list]:
    found: dict[str, list] = {}
    for entry in bundle.entry:
        found.setdefault(entry.resource.get_resource_type(), []).append(entry.resource)
    return found


def test_the_bundle_validates_and_holds_each_kind_of_row(client, world):
    _history(world)
    sign_in(client, world.therapist)
    bundle = _parsed(client.get(reverse("client_fhir_export", args=[world.client.pk])))
    assert bundle.type == "collection"
    resources = _by_type(bundle)
    assert len(resources["Patient"]) == 1
    assert resources["Patient"][0].name[0].text == world.client.user.name
    (consent,) = resources["Consent"]
    assert consent.status == "active"
    assert consent.verification[0].verified is True
    assert consent.patient.reference == bundle.entry[0].fullUrl
    communications = resources["Communication"]
    # Two messages, their auto-replies and two replies from the therapist.
    inbound = [c for c in communications if c.category[0].coding[0].code == "inbound"]
    assert len(inbound) == 2
    replies = [c for c in communications if c.inResponseTo]
    assert replies and all(r.inResponseTo[0].reference.startswith("urn:uuid:") for r in replies)
    urls = {entry.fullUrl for entry in bundle.entry}
    assert all(r.inResponseTo[0].reference in urls for r in replies)
    events = resources["AuditEvent"]
    expected = ContactEvent.objects.filter(client=world.client).exclude(
        event_type=EventType.RECORD_EXPORTED
    )
    # Every log row of the client's (the export's own row included) is an AuditEvent.
    assert len(events) == expected.count() + 1
    assert {e.type.code for e in events} >= {"message.received", "agreement.accepted"}


def test_without_a_reason_no_message_text_leaves(client, world):
    _history(world)
    sign_in(client, world.admin)
    response = client.get(reverse("client_fhir_export", args=[world.client.pk]))
    bundle = _parsed(response)
    assert all(c.payload is None for c in _by_type(bundle)["Communication"])
    assert b"Can we move session" not in response.content
    event = ContactEvent.objects.get(event_type=EventType.RECORD_EXPORTED)
    assert event.actor == world.admin.user and event.client == world.client
    assert event.details["with_bodies"] is False


def test_with_a_reason_the_texts_come_and_the_reason_is_logged(client, world):
    _history(world)
    sign_in(client, world.admin)
    url = reverse("client_fhir_export", args=[world.client.pk])
    bundle = _parsed(client.post(url, {"reason": REASON}))
    texts = [c.payload[0].contentString for c in _by_type(bundle)["Communication"] if c.payload]
    assert "Can we move session 0 to 3pm?" in texts and "Yes, reply 1" in texts
    event = ContactEvent.objects.get(event_type=EventType.RECORD_EXPORTED)
    assert event.details == {"format": "fhir-r4b", "with_bodies": True, "reason": REASON}
    assert REASON in event.summary


def test_a_short_reason_is_refused_and_nothing_is_exported(client, world):
    _history(world)
    sign_in(client, world.admin)
    url = reverse("client_fhir_export", args=[world.client.pk])
    response = client.post(url, {"reason": "because"})
    assert response.status_code == 302
    assert response["Location"] == reverse("client_detail", args=[world.client.pk])
    assert not ContactEvent.objects.filter(event_type=EventType.RECORD_EXPORTED).exists()


def test_the_export_row_is_hidden_from_the_client(world):
    _history(world)
    client_fhir_export(viewer=world.admin, by=world.admin.user, client=world.client)
    exported = ContactEvent.objects.filter(event_type=EventType.RECORD_EXPORTED)
    assert exported.filter(pk__in=visible_events(viewer=world.therapist)).exists()
    assert not exported.filter(pk__in=visible_events(viewer=world.client)).exists()


def test_the_client_page_offers_the_download(client, world):
    sign_in(client, world.therapist)
    page = client.get(reverse("client_detail", args=[world.client.pk]))
    assert reverse("client_fhir_export", args=[world.client.pk]).encode() in page.content


@pytest.mark.parametrize("viewer", ["admin", "therapist"])
def test_queries_do_not_grow_with_the_history(world, viewer):
    membership = getattr(world, viewer)
    _history(world, messages=1)
    with CaptureQueriesContext(connection) as few:
        client_fhir_export(viewer=membership, by=membership.user, client=world.client)
    _history_more(world, 6)
    with CaptureQueriesContext(connection) as many:
        bundle = client_fhir_export(
            viewer=membership, by=membership.user, client=world.client, break_glass_reason=REASON
        )
    assert len(_by_type(bundle)["Communication"]) > 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def _history_more(world, messages: int) -> None:
    for n in range(messages):
        received = receive(world, f"Another question {n}", declared_purpose="logistics")
        message_reply(message=received.message, by=world.therapist.user, body="Answered")


def test_a_crisis_message_is_a_stat_communication(client, world):
    activate_agreement(world)
    receive(world, "I took all my pills", declared_emergency=True, at=TUESDAY_10AM)
    bundle = client_fhir_export(viewer=world.admin, by=world.admin.user, client=world.client)
    priorities = {c.priority for c in _by_type(bundle)["Communication"] if c.priority}
    assert "stat" in priorities


# -- the API -----------------------------------------------------------------------------


def _api(client, world, token: str, **params):
    url = reverse("api:client_fhir", kwargs={"id": world.client.pk})
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_gives_admins_the_bundle(client, world):
    _history(world)
    _, token = api_token_create(user=world.admin.user, name="EHR bridge")
    bundle = _parsed(_api(client, world, token))
    assert all(c.payload is None for c in _by_type(bundle)["Communication"])
    with_texts = _parsed(_api(client, world, token, break_glass_reason=REASON))
    assert any(c.payload for c in _by_type(with_texts)["Communication"])
    assert ContactEvent.objects.filter(event_type=EventType.RECORD_EXPORTED).count() == 2


def test_the_api_refuses_other_roles_and_other_practices(client, world):
    _, therapist_token = api_token_create(user=world.therapist.user, name="x")
    assert _api(client, world, therapist_token).status_code == 403
    _, other_token = api_token_create(user=world.other_admin.user, name="x")
    assert _api(client, world, other_token).status_code == 404
    assert _api(client, world, "cp_not-a-token").status_code == 401
    assert not ContactEvent.objects.filter(event_type=EventType.RECORD_EXPORTED).exists()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reason=st.one_of(
        st.text(max_size=600),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=10, max_size=40),
        st.just("\x00" * 20),
        st.just("\ud800 lone surrogate reason"),
    ),
    client_id=st.one_of(st.integers(min_value=-5, max_value=2**70), st.text(max_size=20)),
    extra=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=2),
)
def test_api_params_never_give_a_5xx(client, world, reason, client_id, extra):
    _, token = api_token_create(user=world.admin.user, name="fuzz")
    path = reverse("api:client_fhir", kwargs={"id": world.client.pk}).replace(
        f"/{world.client.pk}/", f"/{client_id}/"
    )
    try:
        response = client.get(
            path, {"break_glass_reason": reason, **extra}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    except UnicodeEncodeError:
        return  # a lone surrogate cannot even be put in a URL by the test client
    assert response.status_code < 500, response.content[:300]
    if response.status_code == 200:
        Bundle.model_validate_json(response.content)
    elif response.status_code != 404 or response["Content-Type"].startswith("application/json"):
        json.loads(response.content)


def test_the_api_refuses_a_short_reason_with_json(client, world):
    _, token = api_token_create(user=world.admin.user, name="x")
    response = _api(client, world, token, break_glass_reason="short")
    assert response.status_code == 400
    assert "10 characters" in response.json()["detail"]
    assert (
        Counter(ContactEvent.objects.values_list("event_type", flat=True))[
            EventType.RECORD_EXPORTED
        ]
        == 0
    )
