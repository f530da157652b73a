"""How each clinician wants to be paged: the ordered list, its validation and its fallback."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from agreements.models import Membership, User
from agreements.selectors import membership_for_user
from messaging.models import EventType
from messaging.services.contact_log import contact_event_record

from .models import ContactMethod, ContactMethodKind

MAX_CONTACT_METHODS = 10
PHONE_KINDS = (ContactMethodKind.SMS, ContactMethodKind.VOICE)
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_E164 = re.compile(r"\+\d{8,15}")


def phone_normalize(value: str) -> str | None:
    """``+1 (555) 010-2030`` → ``+15550102030``; None unless it is + and 8–15 digits."""
    compact = _PHONE_PUNCTUATION.sub("", value or "")
    return compact if _E164.fullmatch(compact) else None


def contact_address_clean(kind: str, address: str) -> str:
    """The address as stored for ``kind``, or ValidationError saying what is wrong."""
    address = (address or "").strip()
    if kind in PHONE_KINDS:
        phone = phone_normalize(address)
        if phone is None:
            raise ValidationError(
                "Enter a phone number in international form: + then 8 to 15 digits, "
                "e.g. +1 555 010 2030.",
                code="phone",
            )
        return phone
    if kind == ContactMethodKind.EMAIL:
        if not address:
            raise ValidationError("Enter an email address.", code="email")
        validate_email(address)
        local, _, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"
    if kind == ContactMethodKind.IN_APP:
        if address:
            raise ValidationError("In-app notifications need no address.", code="in_app")
        return ""
    raise ValidationError("Choose how to be contacted.", code="kind")


def _masked(kind: str, address: str) -> str:
    """Enough for an admin reading the log to tell numbers apart, no more."""
    if kind in PHONE_KINDS:
        return f"…{address[-4:]}"
    if kind == ContactMethodKind.EMAIL:
        return "…@" + address.rpartition("@")[2]
    return ""


def contact_methods_replace(
    *, user: User, by: User, methods: list[tuple[str, str]]
) -> list[ContactMethod]:
    """Replace ``user``'s contact methods with ``methods``, in that order of preference.

    An empty list means "use the defaults" (see ``contact_methods_for``).
    """
    membership: Membership | None = membership_for_user(user)
    if membership is None:
        raise ValidationError("Only members of a practice have contact methods.")
    if len(methods) > MAX_CONTACT_METHODS:
        raise ValidationError(f"At most {MAX_CONTACT_METHODS} contact methods.")
    cleaned: list[tuple[str, str]] = []
    problems = []
    for position, (kind, address) in enumerate(methods, start=1):
        try:
            entry = (kind, contact_address_clean(kind, address))
        except ValidationError as error:
            problems.extend(f"Method {position}: {message}" for message in error.messages)
            continue
        if entry in cleaned:
            problems.append(f"Method {position} repeats an earlier one.")
            continue
        cleaned.append(entry)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        # One change at a time per person: the membership row is the lock.
        Membership.objects.select_for_update().get(pk=membership.pk)
        ContactMethod.objects.filter(user=user).delete()
        rows = ContactMethod.objects.bulk_create(
            ContactMethod(user=user, kind=kind, address=address, position=position)
            for position, (kind, address) in enumerate(cleaned)
        )
        contact_event_record(
            practice=membership.practice,
            event_type=EventType.CONTACT_METHODS_CHANGED,
            actor=by,
            summary=(
                f"Contact methods of {user} set: "
                + (", ".join(ContactMethodKind(kind).label for kind, _ in cleaned) or "defaults")
            ),
            details={
                "user": user.pk,
                "methods": [[kind, _masked(kind, address)] for kind, address in cleaned],
            },
        )
    return rows


def contact_methods_for(user: User) -> list[ContactMethod]:
    """The active methods in order; with none set: in the app, the login email, then SMS to the
    phone on file (if it is a usable number). The defaults are unsaved rows."""
    methods = list(
        ContactMethod.objects.filter(user=user, is_active=True).order_by("position", "id")
    )
    if methods:
        return methods
    defaults = [
        ContactMethod(user=user, kind=ContactMethodKind.IN_APP, address="", position=0),
        ContactMethod(user=user, kind=ContactMethodKind.EMAIL, address=user.email, position=1),
    ]
    phone = phone_normalize(user.phone)
    if phone:
        defaults.append(
            ContactMethod(user=user, kind=ContactMethodKind.SMS, address=phone, position=2)
        )
    return defaults
