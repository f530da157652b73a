"""Reads the answering service needs: the call's session, the practice that was called, the
office as the caller reaches it, what the agreement promises, and who the engine's current
step is paging — with a phone to ring.
"""

from datetime import datetime

from agreements.calendars import business_calendar_for, practice_calendar
from agreements.models import AwayPeriod, Membership, Practice
from agreements.phones import phone_match_key, phone_normalize
from agreements.terms import describe_window
from messaging.escalation.pages import current_pagees
from messaging.escalation.promises import is_urgent
from messaging.intake.selectors import active_agreement
from messaging.models import CallSession, Escalation, EscalationState, Notification
from messaging.notifications.models import ContactMethodKind, NotificationPurpose
from messaging.notifications.selectors import contact_methods_for
from messaging.voice import callflow

ACKNOWLEDGED_RING_SECONDS = 60


def call_session_for(call_sid: str) -> CallSession | None:
    if not call_sid:
        return None
    return (
        CallSession.objects.select_related(
            "practice",
            "client__user",
            "client__therapist__user",
            "escalation__message__current_decision",
            "escalation__client__user",
            "escalation__acknowledged_by",
            "connected_to",
        )
        .filter(call_sid=call_sid)
        .first()
    )


def practice_called(*, to_number: str) -> Practice | None:
    """The practice whose line was called: by any of its numbers, else the only (first) one."""
    key = phone_match_key(to_number)
    if key:
        for practice in Practice.objects.all():
            lines = (practice.phone_line, practice.after_hours_line, practice.inbound_sms_number)
            if any(phone_match_key(line) == key for line in lines if line):
                return practice
    return Practice.objects.order_by("created_at", "pk").first()


def office_for(*, practice: Practice, client: Membership | None, now: datetime) -> callflow.Office:
    """The office hours that apply to this caller now: their therapist's (the cover's during an
    away period), else the practice's standard week."""
    if client is None or client.therapist_id is None:
        calendar = practice_calendar(practice)
        return callflow.Office(
            time_zone=practice.time_zone,
            is_open=calendar.is_open(now),
            opens_at=calendar.next_open(now),
        )
    therapist = client.therapist
    calendar = business_calendar_for(therapist, around=now)
    away = (
        AwayPeriod.objects.filter(therapist=therapist, starts_at__lte=now, ends_at__gt=now)
        .select_related("covering_therapist__user")
        .order_by("-starts_at")
        .first()
    )
    return callflow.Office(
        time_zone=therapist.time_zone,
        is_open=calendar.is_open(now),
        opens_at=calendar.next_open(now),
        therapist_name=str(therapist.user),
        away_until=away.ends_at if away else None,
        cover_name=str(away.covering_therapist.user) if away and away.covering_therapist else "",
    )


def expectations_for(*, client: Membership | None) -> callflow.Expectations:
    """The reply times of the client's active agreement (nothing promised without one)."""
    if client is None:
        return callflow.Expectations()
    agreement = active_agreement(client)
    name = str(client.therapist.user) if client.therapist_id else ""
    if agreement is None:
        return callflow.Expectations(therapist_name=name)
    windows = {window.category: window for window in agreement.response_windows.all()}

    def words(category: str) -> str:
        window = windows.get(category)
        return describe_window(window.amount, window.unit) if window else ""

    return callflow.Expectations(
        therapist_name=name,
        reply_window=words("logistics") or words("clinical"),
        urgent_window=words("urgent"),
        held_for_session=agreement.hold_clinical_for_session,
    )


def phone_to_ring(user) -> str:
    """The number a live call rings for ``user``: their phone-call contact method, else their
    text-message one, else the phone on file."""
    methods = contact_methods_for(user)
    for kind in (ContactMethodKind.VOICE, ContactMethodKind.SMS):
        for method in methods:
            if method.kind == kind and phone_normalize(method.address):
                return phone_normalize(method.address)
    return phone_normalize(user.phone) or ""


def step_key(escalation: Escalation) -> str:
    """Where the engine is on its chain: changes whenever it pages its next step."""
    return f"{escalation.state}:c{escalation.cycle}:s{escalation.step_index}"


def chain_for(
    *, session: CallSession, escalation: Escalation, now: datetime, whisper_url
) -> callflow.Chain:
    """The engine's chain as this call sees it; ``whisper_url(user)`` builds each whisper's URL.

    Who to ring is who the engine's current step paged (``current_pagees``): the engine stays
    the one source of who is next."""
    clinicians = []
    if escalation.state in (EscalationState.ACTIVE, EscalationState.ACKNOWLEDGED):
        for user in current_pagees(escalation):
            number = phone_to_ring(user)
            if number:
                clinicians.append(
                    callflow.Clinician(
                        user_id=user.pk,
                        name=str(user),
                        number=number,
                        whisper_url=whisper_url(user),
                    )
                )
    seconds_left = 0
    if escalation.state == EscalationState.ACKNOWLEDGED:
        # Whoever has the crisis is rung once, as long as a step would ring.
        seconds_left = ACKNOWLEDGED_RING_SECONDS
    elif escalation.next_action_at is not None:
        seconds_left = max(0, int((escalation.next_action_at - now).total_seconds()))
    taken_by = escalation.acknowledged_by if escalation.acknowledged_by_id else None
    return callflow.Chain(
        state=escalation.state,
        step=step_key(escalation),
        clinicians=tuple(clinicians),
        seconds_left=seconds_left,
        dialled_step=session.dialled_step,
        taken=session.connected_to_id is not None,
        taken_by_name=str(taken_by) if taken_by else "",
    )


def whisper_words(escalation: Escalation) -> tuple[str, str, bool]:
    """Whose call it is and for whom, in the words of a page: first name only, no content."""
    from messaging.escalation.pages import first_name

    caller = first_name(escalation) if escalation.client else "an unknown caller"
    client = escalation.client
    for_whom = (
        str(client.therapist.user) if client and client.therapist_id else escalation.practice.name
    )
    return caller, for_whom, is_urgent(escalation)


def notification_for_voice_answer(notification_id: int) -> Notification | None:
    return (
        Notification.objects.select_related("escalation__client__user", "recipient")
        .filter(pk=notification_id, escalation__isnull=False, recipient__isnull=False)
        .first()
    )


def recent_calls(*, practice: Practice, limit: int = 20) -> list[CallSession]:
    """The latest calls, for the demo outbox."""
    return list(
        CallSession.objects.filter(practice=practice)
        .select_related("client__user", "connected_to")
        .order_by("-started_at", "-pk")[:limit]
    )


def paged_clinician(escalation: Escalation, user_id: int):
    """``user_id``'s user if the engine paged them for this escalation (or they have it), else
    None: only someone the chain reached may take its call — also one who answers just as the
    engine moves on to the next step."""
    if escalation.acknowledged_by_id == user_id:
        return escalation.acknowledged_by
    page = (
        Notification.objects.filter(
            escalation=escalation,
            recipient_id=user_id,
            purpose__in=[NotificationPurpose.PAGE, NotificationPurpose.INCIDENT],
        )
        .select_related("recipient")
        .first()
    )
    return page.recipient if page else None


def callback_number_of(notification: Notification) -> str:
    from messaging.escalation.pages import callback_number

    return callback_number(notification.escalation) if notification.escalation_id else ""
