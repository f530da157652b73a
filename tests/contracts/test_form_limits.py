"""Every text field of every form in the project has a maximum length, and saying too much
gets a clear error beside the field, not a 500 or a silent cut.

The forms are discovered: every module of agreements/, messaging/ and contactpolicy/ is
imported (migrations and settings modules aside) and every form class defined in them is
checked, so a new form cannot forget. Then one page per kind of field shows the error.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.core.validators import MaxLengthValidator
from django.urls import get_resolver, reverse

import agreements
import contactpolicy
import messaging
from agreements.models import Practice, SafetyPlan
from messaging.models import Message
from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS
from tests.factories import activate_agreement, sign_in

PACKAGES = (agreements, messaging, contactpolicy)
SKIPPED = (".migrations", "contactpolicy.settings", ".wsgi", ".asgi")


def project_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package.__name__)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if not any(part in module.name for part in SKIPPED):
                names.append(module.name)
    return names


def served_views(patterns=None, prefix: str = "", seen: set[str] | None = None):
    """(route, view function) for every URL the site serves; a route that an earlier pattern
    already takes is never reached, so it is left out."""
    seen = set() if seen is None else seen
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            yield from served_views(pattern.url_patterns, route, seen)
        elif route not in seen:
            seen.add(route)
            yield route, pattern.callback


def served_form_classes() -> set[type[forms.BaseForm]]:
    """The forms of the class-based views the site serves (Django's sign-in and password
    pages among them)."""
    found = set()
    for _route, callback in served_views():
        view_class = getattr(callback, "view_class", None)
        if view_class is None:
            continue
        view = view_class(**getattr(callback, "view_initkwargs", {}))
        get_form_class = getattr(view, "get_form_class", None)
        if get_form_class is not None:
            found.add(get_form_class())
    return found


def project_form_classes() -> list[type[forms.BaseForm]]:
    for name in project_modules():
        importlib.import_module(name)
    found, pending = served_form_classes(), [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in {p.__name__ for p in PACKAGES}:
                found.add(subclass)
    return sorted(found, key=lambda form: (form.__module__, form.__qualname__))


FORMS = project_form_classes()


def test_the_forms_are_found() -> None:
    names = {form.__qualname__ for form in FORMS}
    assert {"ComposeForm", "PhoneMessageForm", "SafetyPlanForm", "ApiTokenForm"} <= names
    assert {"SignInForm", "ChangePasswordForm", "NewPasswordForm"} <= names  # served by URLs
    assert len(FORMS) >= 25


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form: f"{form.__module__}.{form.__name__}")
def test_every_text_field_has_a_maximum_length(form_class: type[forms.BaseForm]) -> None:
    for name, field in form_class.base_fields.items():
        if not isinstance(field, forms.CharField):
            continue
        where = f"{form_class.__qualname__}.{name}"
        assert field.max_length is not None, f"{where} has no max_length"
        assert any(
            isinstance(v, MaxLengthValidator) and v.limit_value == field.max_length
            for v in field.validators
        ), f"{where} does not check its max_length"
        # The browser is told too, so nobody types past it by accident.
        assert field.widget.attrs.get("maxlength") == str(field.max_length), where


def test_message_bodies_take_the_documented_limit() -> None:
    bodies = [
        (form, name)
        for form in FORMS
        for name, field in form.base_fields.items()
        if name == "body" and form.__module__ == "messaging.intake.forms"
    ]
    assert bodies
    for form, name in bodies:
        assert form.base_fields[name].max_length == MESSAGE_BODY_MAX_CHARS


# --------------------------------------------------------------------------- on the page


def test_a_message_body_over_the_limit_is_refused_with_a_clear_error(client, world) -> None:
    sign_in(client, world.client)
    body = "a" * (MESSAGE_BODY_MAX_CHARS + 1)
    response = client.post(
        reverse("message_compose"), {"emergency": "no", "purpose": "clinical", "body": body}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f"This message is {MESSAGE_BODY_MAX_CHARS + 1} characters long; one message can hold "
        f"at most {MESSAGE_BODY_MAX_CHARS}. Please send the rest in another message."
    ) in page.replace("&#x27;", "'")
    assert f'maxlength="{MESSAGE_BODY_MAX_CHARS}"' in page
    assert not Message.objects.exists()


def test_a_message_body_at_the_limit_is_taken(client, world) -> None:
    sign_in(client, world.client)
    body = ("I had a long week. " * (MESSAGE_BODY_MAX_CHARS // 19 + 1))[:MESSAGE_BODY_MAX_CHARS]
    response = client.post(
        reverse("message_compose"), {"emergency": "no", "purpose": "clinical", "body": body}
    )
    assert response.status_code == 302
    assert Message.objects.get(direction="inbound").body == body.strip()


def test_a_name_that_is_too_long_is_refused_beside_the_field(client, world) -> None:
    sign_in(client, world.admin)
    response = client.post(
        reverse("staff_invite"),
        {"name": "N" * 151, "email": "new@example.test", "role": "therapist"},
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters (it has 151)." in (
        response.content.decode()
    )


def test_an_email_that_is_too_long_is_refused_beside_the_field(client, world) -> None:
    sign_in(client, world.therapist)
    email = "x" * 243 + "@example.test"  # 256 characters
    response = client.post(reverse("client_invite"), {"name": "Sam", "email": email})
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters (it has 256)." in (
        response.content.decode()
    )


def test_a_phone_number_that_is_too_long_is_refused_beside_the_field(client, world) -> None:
    sign_in(client, world.admin)
    practice = world.practice
    data = {field: getattr(practice, field) for field in forms.models.fields_for_model(Practice)}
    data.update(emergency_number="9" * 33)
    form_fields = client.get(reverse("practice_settings")).context["form"].fields
    data = {k: v for k, v in data.items() if k in form_fields and v is not None}
    response = client.post(reverse("practice_settings"), data)
    assert response.status_code == 200
    assert "Ensure this value has at most 32 characters (it has 33)." in (response.content.decode())
    practice.refresh_from_db()
    assert practice.emergency_number != "9" * 33


def test_a_long_text_that_is_too_long_is_refused_beside_the_field(client, world) -> None:
    activate_agreement(world)
    sign_in(client, world.therapist)
    data = dict.fromkeys(SafetyPlan.SECTIONS, "")
    data["warning_signs"] = "w" * 4001
    response = client.post(reverse("safety_plan_edit", args=[world.client.pk]), data)
    assert response.status_code == 200
    assert "Ensure this value has at most 4000 characters (it has 4001)." in (
        response.content.decode()
    )


def test_a_password_that_is_too_long_is_refused_beside_the_field(client, world) -> None:
    response = client.post(
        reverse("login"), {"username": world.client.user.email, "password": "p" * 257}
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 256 characters (it has 257)." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session
