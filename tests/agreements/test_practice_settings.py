"""The practice's phone lines: set on the settings page in E.164, shown wherever crisis help is.

A number is checked by the one normaliser (``agreements.phones``) in the form and again in the
service, so no caller can store a number a phone can't dial.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements import services
from agreements.models import Practice
from messaging.contactlog.models import ContactEvent
from messaging.intake.services import message_receive
from messaging.triage import crisis_help
from messaging.triage.crisis_help import EmergencyNumbers
from tests.factories import sign_in

MAIN = "+15550100100"
AFTER_HOURS = "+15550100199"


def settings_data(practice: Practice, **changes) -> dict:
    data = {field: getattr(practice, field) for field in services.PRACTICE_SETTING_FIELDS}
    data.update(changes)
    return data


def test_the_admin_sets_both_lines_in_any_punctuation_and_they_are_stored_in_e164(client, world):
    sign_in(client, world.admin)
    response = client.post(
        reverse("practice_settings"),
        settings_data(
            world.practice, phone_line="+1 (555) 010-0100", after_hours_line="+1 555 010 0199"
        ),
    )
    assert response.status_code == 302
    world.practice.refresh_from_db()
    assert (world.practice.phone_line, world.practice.after_hours_line) == (MAIN, AFTER_HOURS)
    event = ContactEvent.objects.filter(event_type="practice.settings_changed").latest("pk")
    assert event.details == {"fields": ["after_hours_line", "phone_line"]}


@pytest.mark.parametrize("bad", ["555-0100", "0800 123 456", "+1 555 CALL NOW", "+1234567"])
def test_a_number_without_country_code_is_refused_beside_its_field(client, world, bad):
    sign_in(client, world.admin)
    response = client.post(
        reverse("practice_settings"), settings_data(world.practice, after_hours_line=bad)
    )
    assert response.status_code == 200
    assert "after_hours_line" in response.context["form"].errors
    world.practice.refresh_from_db()
    assert world.practice.after_hours_line == ""


def test_the_service_refuses_what_the_form_would(world):
    with pytest.raises(ValidationError) as error:
        services.practice_update_settings(
            practice=world.practice, by=world.admin.user, changes={"phone_line": "555 0100"}
        )
    assert "phone_line" in error.value.error_dict
    practice = services.practice_update_settings(
        practice=world.practice, by=world.admin.user, changes={"phone_line": "+1 555 010 0100"}
    )
    assert practice.phone_line == MAIN


def test_a_line_can_be_cleared(world):
    services.practice_update_settings(
        practice=world.practice, by=world.admin.user, changes={"phone_line": MAIN}
    )
    practice = services.practice_update_settings(
        practice=world.practice, by=world.admin.user, changes={"phone_line": "  "}
    )
    assert practice.phone_line == ""


def test_the_settings_form_offers_the_shared_fields(client, world):
    sign_in(client, world.admin)
    form = client.get(reverse("practice_settings")).context["form"]
    assert list(form.fields) == list(services.PRACTICE_SETTING_FIELDS)
    assert {"phone_line", "after_hours_line"} <= set(form.fields)


@pytest.fixture
def with_lines(world):
    return services.practice_update_settings(
        practice=world.practice,
        by=world.admin.user,
        changes={"phone_line": MAIN, "after_hours_line": AFTER_HOURS},
    )


@pytest.mark.parametrize("route", ["client_crisis_help", "client_agreement", "client_home"])
def test_client_pages_show_the_configured_lines_as_links(client, world, with_lines, route):
    sign_in(client, world.client)
    page = client.get(reverse(route)).content.decode()
    assert f'href="tel:{MAIN}"' in page and f'href="tel:{AFTER_HOURS}"' in page


@pytest.mark.parametrize("route", ["client_crisis_help", "client_agreement", "client_home"])
def test_without_lines_no_page_mentions_a_practice_line(client, world, route):
    sign_in(client, world.client)
    page = client.get(reverse(route)).content.decode().lower()
    assert "practice line" not in page and "after hours, the practice" not in page
    assert "to reach the practice" not in page


@pytest.mark.parametrize("channel", ["portal", "sms", "email", "phone"])
def test_the_crisis_reply_on_every_channel_gives_the_lines(world, with_lines, channel):
    received = message_receive(
        practice=with_lines,
        channel=channel,
        body="I took all my pills, I want it to be over",
        sender=world.client,
    )
    assert received.auto_reply.body.startswith(
        crisis_help.help_now(EmergencyNumbers.of(with_lines))
    )
    assert MAIN in received.auto_reply.body and AFTER_HOURS in received.auto_reply.body
