"""The contact log pages: filters, keyset pages, who sees what, CSV export, break-glass."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from messaging.contactlog.csv_export import safe_cell
from messaging.contactlog.selectors import PAGE_SIZE
from messaging.contactlog.services import contact_event_record
from messaging.models import ContactEvent, EventType
from tests.factories import make_member, receive, sign_in

NEW_YORK = ZoneInfo("America/New_York")


def rows(response):
    return response.context["page"].rows


@pytest.fixture
def traffic(world):
    """Messages from both clients, on several channels, across two days."""
    day = datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
    return {
        "logistics": receive(world, "reschedule please", at=day, declared_purpose="logistics"),
        "crisis": receive(
            world, "I'm going to end it tonight", at=day + timedelta(hours=12), channel="sms"
        ),
        "other": receive(
            world,
            "invoice question",
            at=day + timedelta(days=1),
            sender="other_client",
            channel="email",
            declared_purpose="logistics",
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "sms"}, {"crisis"}),
        ({"category": "crisis"}, {"crisis"}),
        ({"disposition": "escalate"}, {"crisis"}),
        ({"event_type": "message.received"}, {"logistics", "crisis", "other"}),
        ({"start": "2026-11-24", "end": "2026-11-24"}, {"other"}),
        ({"start": "2026-11-23", "end": "2026-11-23"}, {"logistics", "crisis"}),
    ],
)
def test_admin_filters_the_log(client, world, traffic, params, expected):
    sign_in(client, world.admin)
    response = client.get(
        reverse("contact_log"),
        {**params, "event_type": params.get("event_type", "message.received")},
    )
    found = {
        name for name, r in traffic.items() for e in rows(response) if e.message_id == r.message.pk
    }
    assert found == expected


def test_filter_by_therapist_and_client(client, world, traffic):
    sign_in(client, world.admin)
    by_therapist = client.get(reverse("contact_log"), {"therapist": world.other_therapist.pk})
    assert rows(by_therapist) and all(
        e.therapist_id == world.other_therapist.pk for e in rows(by_therapist)
    )
    by_client = client.get(reverse("contact_log"), {"client": world.client.pk})
    assert rows(by_client) and all(e.client_id == world.client.pk for e in rows(by_client))


def test_bad_filters_show_errors_and_never_fail(client, world, traffic):
    sign_in(client, world.admin)
    response = client.get(
        reverse("contact_log"),
        {"start": "yesterday", "channel": "pigeon", "client": "999999", "before": "garbage"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_keyset_pages_cover_everything_once(client, world):
    with transaction.atomic():
        for n in range(PAGE_SIZE * 2 + 5):
            contact_event_record(
                practice=world.practice,
                event_type=EventType.SESSION_SCHEDULED,
                client=world.client,
                summary=f"event {n}",
            )
    sign_in(client, world.admin)
    seen, url = [], reverse("contact_log") + "?event_type=session.scheduled"
    for _ in range(10):  # bounded: a broken cursor must fail, not loop
        if url is None:
            break
        response = client.get(url)
        seen += [e.pk for e in rows(response)]
        older = response.context["page"].older
        url = (
            reverse("contact_log") + f"?event_type=session.scheduled&before={older.encode()}"
            if older
            else None
        )
    assert len(seen) == len(set(seen)) == PAGE_SIZE * 2 + 5
    expected = ContactEvent.objects.filter(event_type="session.scheduled").order_by(
        "-occurred_at", "-pk"
    )
    assert seen == list(expected.values_list("pk", flat=True))


def test_log_page_queries_stay_constant(client, world):
    sign_in(client, world.admin)
    receive(world, "one", declared_purpose="logistics")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("contact_log"))
    for n in range(15):
        receive(world, f"more {n}", sender="other_client", channel="email")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("contact_log"))
    assert len(many) == len(few)


def test_therapists_see_their_clients_and_clients_themselves(client, world, traffic):
    sign_in(client, world.therapist)
    response = client.get(reverse("contact_log"))
    assert rows(response)
    assert all(
        e.therapist_id == world.therapist.pk or e.client.therapist_id == world.therapist.pk
        for e in rows(response)
    )
    client.logout()
    sign_in(client, world.other_client)
    response = client.get(reverse("contact_log"))
    assert rows(response) and all(e.client_id == world.other_client.pk for e in rows(response))
    assert "Export CSV" not in response.content.decode()


def test_admin_log_shows_metadata_never_bodies(client, world, traffic):
    sign_in(client, world.admin)
    page = client.get(reverse("contact_log")).content.decode()
    assert "end it tonight" not in page and "reschedule please" not in page


def test_csv_streams_neutralises_formulas_and_is_logged(client, world):
    sneaky = make_member(
        "sneaky@harbour.test",
        '=HYPERLINK("http://x")',
        world.practice,
        "client",
        therapist=world.therapist,
    )
    receive(world, "hello", sender=None)
    receive(world, "hi", declared_purpose="logistics")
    from messaging.intake.services import message_receive

    message_receive(
        practice=world.practice,
        channel="portal",
        body="x",
        sender=sneaky,
        declared_purpose="logistics",
    )
    sign_in(client, world.admin)
    response = client.get(reverse("contact_log_csv"))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["occurred_at", "event", "summary"]
    clients = {row[4] for row in table[1:]}
    assert '\'=HYPERLINK("http://x")' in clients
    assert not any(cell.startswith(("=", "+", "@")) for row in table[1:] for cell in row)
    assert ContactEvent.objects.filter(event_type=EventType.LOG_EXPORTED, actor=world.admin.user)


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_neutralises_formula_triggers(value):
    assert safe_cell(value) == "'" + value


def test_break_glass_needs_a_reason_which_is_logged(client, world, traffic):
    message = traffic["crisis"].message
    url = reverse("log_message_metadata", args=[message.pk])
    sign_in(client, world.admin)
    page = client.get(url).content.decode()
    assert "end it tonight" not in page
    refused = client.post(url, {"reason": "because"})
    assert "end it tonight" not in refused.content.decode()
    assert not ContactEvent.objects.filter(event_type=EventType.BODY_BREAK_GLASS).exists()
    opened = client.post(url, {"reason": "Reviewing the complaint about last night's call"})
    assert "end it tonight" in opened.content.decode()
    event = ContactEvent.objects.get(event_type=EventType.BODY_BREAK_GLASS)
    assert event.actor == world.admin.user and event.message == message
    assert event.details["reason"] == "Reviewing the complaint about last night's call"
