"""What the engine sends at each step: the pages to clinicians, the incident for admins and
the updates that keep the client informed, all as notification rows written with the step.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from agreements.models import Channel, Membership, Role, User
from messaging.contactlog.services import contact_event_record
from messaging.models import (
    Escalation,
    EventType,
    Notification,
    NotificationPurpose,
)
from messaging.notifications.services import (
    automatic_message_record,
    client_message_notify,
    notifications_enqueue,
)
from messaging.triage import crisis_help

from . import machine
from .acks import ack_code_new, ack_url
from .promises import escalation_promise_text, is_urgent
from .recipients import page_recipients

logger = logging.getLogger("contactpolicy.escalation")


def first_name(escalation: Escalation) -> str:
    """Only the first name leaves the app in a page: enough to know whom to call."""
    if escalation.client is None:
        return "An unknown caller"
    name = escalation.client.user.name.strip()
    return name.split()[0] if name else "Your client"


def callback_number(escalation: Escalation) -> str:
    """The number to call the client back on: their phone on file, else the number an unknown
    caller texted or rang from; empty when there is none."""
    if escalation.client is not None:
        return escalation.client.user.phone
    message = escalation.message
    if message.channel in (Channel.SMS, Channel.PHONE):
        return message.sender_address
    return ""


def page_text(
    escalation: Escalation, code: str, url: str, *, again: bool = False
) -> tuple[str, str]:
    """Subject and body of a page (SMS, voice and email read the same words): the client's
    first name, a callback number and the link. Never the message body: a page crosses
    providers and lock screens. A crisis page reads CRISIS; an urgent one (urgent after hours,
    sent on call by the agreement) reads URGENT and asks for a call back — never a crisis."""
    context = {
        "urgent": is_urgent(escalation),
        "first_name": first_name(escalation),
        "call_whom": first_name(escalation) if escalation.client else "them",
        "practice": escalation.practice.name,
        "callback": callback_number(escalation),
        "code": code,
        "url": url,
        "again": again,
    }
    subject = render_to_string("escalation/page_subject.txt", context).strip()
    body = " ".join(render_to_string("escalation/page_body.txt", context).split())
    return subject, body


def _pages_create(
    escalation: Escalation,
    users,
    *,
    key: str,
    step_index: int,
    cycle: int,
    now: datetime,
    again: bool = False,
) -> list[int]:
    """One page per user and contact method, once (the idempotency key starts with ``key``),
    each with its own acknowledgement code and link. Returns the ids of the new ones.

    Written in bulk: one read of the keys already there, one INSERT for the new pages and one
    UPDATE that writes their texts (the ack link signs the id, known only after the INSERT).
    The caller holds the escalation's row lock, so no other writer makes these keys meanwhile.
    """
    from messaging.notifications.selectors import contact_methods_for

    wanted = {
        f"{key}:u{user.pk}:{method.kind}:{method.address}": (user, method)
        for user in users
        for method in contact_methods_for(user)
    }
    if not wanted:
        return []
    existing = set(
        Notification.objects.filter(idempotency_key__in=list(wanted)).values_list(
            "idempotency_key", flat=True
        )
    )
    pages = [
        Notification(
            idempotency_key=idempotency_key,
            escalation=escalation,
            practice=escalation.practice,
            recipient=user,
            purpose=NotificationPurpose.PAGE,
            channel=method.kind,
            address=method.address,
            body="",
            step_index=step_index,
            cycle=cycle,
            ack_code=ack_code_new(),
            next_attempt_at=now,
            created_at=now,
        )
        for idempotency_key, (user, method) in wanted.items()
        if idempotency_key not in existing
    ]
    if not pages:
        return []
    Notification.objects.bulk_create(pages)
    for page in pages:
        page.subject, page.body = page_text(escalation, page.ack_code, ack_url(page), again=again)
    Notification.objects.bulk_update(pages, ["subject", "body"])
    return [page.pk for page in pages]


def step_page(
    escalation: Escalation,
    snapshot: machine.PolicySnapshot,
    page: machine.Page,
    now: datetime,
    lateness_ms: int,
) -> None:

    recipients = page_recipients(escalation, snapshot, page, now)
    created = _pages_create(
        escalation,
        recipients,
        key=f"esc{escalation.pk}:s{page.step_index}:c{page.cycle}",
        step_index=page.step_index,
        cycle=page.cycle,
        now=now,
    )
    names = ", ".join(str(user) for user in recipients) or "nobody (no recipient found)"
    contact_event_record(
        practice=escalation.practice,
        event_type=EventType.ESCALATION_STEP,
        client=escalation.client,
        message=escalation.message,
        summary=f"Step {page.step_index + 1} (round {page.cycle + 1}): paged {names}",
        details={
            "escalation": escalation.pk,
            "action": page.action.value,
            "step_index": page.step_index,
            "cycle": page.cycle,
            "recipients": [user.pk for user in recipients],
            "notifications": created,
            "lateness_ms": lateness_ms,
        },
        occurred_at=now,
    )
    if not recipients:
        logger.error("escalation %s step %s found nobody to page", escalation.pk, page.step_index)
    transaction.on_commit(lambda: notifications_enqueue(created))
    client_update(escalation, client_update_text(escalation, now), now, page)


def current_pagees(escalation: Escalation) -> list[User]:
    """Who this escalation is with now: whoever acknowledged it, else the people its latest
    step (or the incident) paged. Empty before the first step has run."""
    if escalation.acknowledged_by_id is not None:
        return [escalation.acknowledged_by]
    pages = list(
        Notification.objects.filter(
            escalation=escalation,
            purpose__in=[NotificationPurpose.PAGE, NotificationPurpose.INCIDENT],
            recipient__isnull=False,
        )
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )
    if not pages:
        return []
    latest = pages[0]
    users = {}
    for page in pages:
        if page.purpose == latest.purpose and (page.cycle, page.step_index) == (
            latest.cycle,
            latest.step_index,
        ):
            users.setdefault(page.recipient_id, page.recipient)
    return list(users.values())


def joined_page(escalation: Escalation, message, now: datetime) -> None:
    """Tell whoever has the escalation that the client sent another crisis message: the same
    words as a page (first name, callback number, link), never the body."""

    created = _pages_create(
        escalation,
        current_pagees(escalation),
        key=f"esc{escalation.pk}:joined:m{message.pk}",
        step_index=escalation.step_index,
        cycle=escalation.cycle,
        now=now,
        again=True,
    )
    transaction.on_commit(lambda: notifications_enqueue(created))


def danger_line(escalation: Escalation) -> str:
    """The help every update to the client ends with, in the practice's own numbers: the full
    help for a crisis, the one short line for an urgent message."""
    numbers = crisis_help.EmergencyNumbers.of(escalation.practice)
    if is_urgent(escalation):
        return crisis_help.danger_line(numbers)
    return crisis_help.help_now(numbers)


def client_update_text(escalation: Escalation, now: datetime) -> str:
    """Who is being contacted now and next, from the escalation's own snapshot."""
    return f"{escalation_promise_text(escalation, now=now)} {danger_line(escalation)}"


def client_update(
    escalation: Escalation, text: str, now: datetime, page: machine.Page | None
) -> None:
    """Tell the client what is happening, on the channel they used (its notification, if the
    channel needs one, enqueues itself on commit)."""
    message = escalation.message
    update = automatic_message_record(
        to=message,
        text=text,
        now=now,
        summary=f"Escalation update to the client on {message.get_channel_display()}",
        includes_crisis_help=not is_urgent(escalation),
    )
    # The portal shows it; on the phone the operator already gave the numbers.
    step = f"s{page.step_index}:c{page.cycle}" if page else "final"
    client_message_notify(
        message=update,
        now=now,
        purpose=NotificationPurpose.CLIENT_UPDATE,
        idempotency_key=f"esc{escalation.pk}:client:{step}",
        escalation=escalation,
        step_index=page.step_index if page else None,
        cycle=page.cycle if page else None,
    )


def incident_page(escalation: Escalation, now: datetime) -> None:
    contact_event_record(
        practice=escalation.practice,
        event_type=EventType.ESCALATION_EXHAUSTED,
        client=escalation.client,
        message=escalation.message,
        summary="Nobody acknowledged: incident for the practice admins",
        details={"escalation": escalation.pk},
        occurred_at=now,
    )
    logger.error("escalation %s exhausted without acknowledgement", escalation.pk)
    created = []
    admins = Membership.objects.select_related("user").filter(
        practice=escalation.practice, role=Role.ADMIN, is_active=True
    )
    from messaging.notifications.selectors import contact_methods_for

    kind = "an urgent" if is_urgent(escalation) else "a crisis"
    body = " ".join(
        render_to_string(
            "escalation/incident_body.txt",
            {
                "first_name": first_name(escalation),
                "call_whom": first_name(escalation) if escalation.client else "them",
                "callback": callback_number(escalation),
                "kind": kind,
                "url": settings.SITE_URL.rstrip("/")
                + reverse("escalation:detail", args=[escalation.pk]),
            },
        ).split()
    )
    for admin in admins:
        for method in contact_methods_for(admin.user):
            notification, was_created = Notification.objects.get_or_create(
                idempotency_key=f"esc{escalation.pk}:incident:u{admin.user_id}:{method.kind}:"
                f"{method.address}",
                defaults={
                    "escalation": escalation,
                    "practice": escalation.practice,
                    "recipient": admin.user,
                    "purpose": NotificationPurpose.INCIDENT,
                    "channel": method.kind,
                    "address": method.address,
                    "subject": f"Incident: {kind} escalation was not acknowledged",
                    "body": body,
                    "ack_code": ack_code_new(),
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            if was_created:
                created.append(notification.pk)
    transaction.on_commit(lambda: notifications_enqueue(created))
    client_update(escalation, client_update_text(escalation, now), now, None)
