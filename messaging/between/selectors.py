"""Reads of check-ins, caring contacts and the contact pattern. Each page's queries are a fixed
number, whatever the history (query-count tests hold them to it)."""

import re
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from agreements.models import (
    AgreementStatus,
    ContactAgreement,
    CrisisPeriod,
    Membership,
    SafetyPlan,
    TherapySession,
)
from messaging.between.chart import Week
from messaging.models import (
    CaringSchedule,
    CheckIn,
    CheckInState,
    Direction,
    Escalation,
    EscalationState,
    Message,
)
from messaging.triage.categories import Category
from messaging.triage.detector import detect

#: How long after a crisis the therapist is offered to start caring messages.
CARING_OFFER_WINDOW = timedelta(days=90)
TIMELINE_LENGTH = 60
TREND_WEEKS = 26
_SCORE = re.compile(r"^\s*(?:check-in answer:\s*)?([1-5])(?![0-9])", re.IGNORECASE)


def check_in_score(text: str) -> int | None:
    """A reply that starts with 1 to 5 (``3``, ``2 rough day``, ``5!``, or a portal answer,
    ``Check-in answer: 4 of 5``) answers with that."""
    found = _SCORE.match(text or "")
    return int(found.group(1)) if found else None


def check_in_answer_score(*, client: Membership | None, body: str, at: datetime) -> int | None:
    """The score a message gives the check-in waiting for the client's answer (the one
    ``check_in_reply_link`` will link it to), or ``None``: no check-in waits, or it is in words."""
    score = check_in_score(body)
    if client is None or score is None:
        return None  # no query for the many messages that don't start with a score
    waiting = CheckIn.objects.filter(
        client=client, state=CheckInState.SENT, sent_at__lte=at
    ).exists()
    return score if waiting else None


def check_in_open_for_client(*, client: Membership) -> CheckIn | None:
    return (
        CheckIn.objects.filter(client=client, state=CheckInState.SENT).order_by("-sent_at").first()
    )


def check_in_timeline(*, client: Membership) -> list[CheckIn]:
    """The client's latest check-ins (not the cancelled ones), newest first, with replies."""
    return list(
        CheckIn.objects.filter(client=client)
        .exclude(state=CheckInState.CANCELLED)
        .select_related("reply__current_decision")
        .order_by("-due_at", "-pk")[:TIMELINE_LENGTH]
    )


def caring_schedule_latest(*, client: Membership) -> CaringSchedule | None:
    """The running schedule, else the latest one, with its messages."""
    return (
        CaringSchedule.objects.filter(client=client)
        .select_related("therapist__user")
        .prefetch_related("contacts")
        .order_by("stopped_at", "-started_at")  # a running one (no stop) sorts first
        .first()
    )


def caring_schedule_running(*, client: Membership) -> CaringSchedule | None:
    return CaringSchedule.objects.filter(client=client, stopped_at=None).first()


def caring_agreed(*, client: Membership) -> ContactAgreement | None:
    return ContactAgreement.objects.filter(
        client=client, status=AgreementStatus.ACTIVE, caring_contacts_enabled=True
    ).first()


def caring_offer_sources(
    *, client: Membership, now: datetime | None = None
) -> tuple[CrisisPeriod | None, Escalation | None]:
    """The crisis that caring messages would follow: the client's latest crisis period that
    has ended, and their latest escalation that is closed, each within the offer window."""
    now = now or timezone.now()
    since = now - CARING_OFFER_WINDOW
    period = (
        CrisisPeriod.objects.filter(client=client)
        .filter(Q(ended_early_at__lte=now) | Q(ends_at__lte=now))
        .filter(ends_at__gte=since)
        .order_by("-ends_at")
        .first()
    )
    escalation = (
        Escalation.objects.filter(client=client)
        .filter(
            Q(state=EscalationState.RESOLVED) | Q(outcome_recorded_at__isnull=False),
            started_at__gte=since,
        )
        .order_by("-started_at")
        .first()
    )
    return period, escalation


def _counted_messages(client: Membership):
    """The messages the weekly limit counts, as triage counts them: a crisis and a check-in
    never count."""
    return (
        Message.objects.filter(client=client, direction=Direction.INBOUND)
        .exclude(current_decision__category="crisis")
        .exclude(current_decision__is_check_in=True)
    )


def contact_this_week(*, client: Membership, now: datetime | None = None) -> dict:
    """ "1 of 2 this week": the client's counted messages in the last 7 days and the limit."""
    now = now or timezone.now()
    agreement = (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.ACTIVE)
        .only("frequency_limit_per_week")
        .first()
    )
    count = _counted_messages(client).filter(received_at__gt=now - timedelta(days=7)).count()
    limit = agreement.frequency_limit_per_week if agreement else None
    return {"count": count, "limit": limit, "over": limit is not None and count > limit}


def contact_trend(
    *, client: Membership, now: datetime | None = None, weeks: int = TREND_WEEKS
) -> list[Week]:
    """Week by week (Monday starts, the client's time zone) for the last ``weeks`` weeks:
    counted messages, crisis messages and answered check-ins. Two queries."""
    now = now or timezone.now()
    zone = client.zone
    today = now.astimezone(zone).date()
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first_monday, datetime.min.time(), tzinfo=zone)
    rows = (
        Message.objects.filter(client=client, direction=Direction.INBOUND, received_at__gte=since)
        .values_list("received_at", "current_decision__category", "current_decision__is_check_in")
        .order_by()
    )
    answered = CheckIn.objects.filter(
        client=client, state=CheckInState.ANSWERED, answered_at__gte=since
    ).values_list("answered_at", flat=True)
    buckets = {first_monday + timedelta(weeks=i): [0, 0, 0] for i in range(weeks)}

    def bucket(moment: datetime) -> list[int] | None:
        day = moment.astimezone(zone).date()
        return buckets.get(day - timedelta(days=day.weekday()))

    for received_at, category, is_check_in in rows:
        counts = bucket(received_at)
        if counts is None:
            continue
        if category == "crisis":
            counts[1] += 1
        elif not is_check_in:
            counts[0] += 1
    for answered_at in answered:
        counts = bucket(answered_at)
        if counts is not None:
            counts[2] += 1
    return [
        Week(starts_on=monday, messages=m, crises=c, check_ins=k)
        for monday, (m, c, k) in sorted(buckets.items())
    ]


def can_this_wait_offer(
    *, client: Membership, emergency: bool, purpose: str, body: str
) -> dict | None:
    """What "Can this wait?" shows before a message is sent, or None when it must not appear:
    a declared emergency, a message declared urgent, one the detector reads as urgent or a
    crisis, or an agreement that doesn't turn it on. Only therapy content is offered it:
    scheduling and admin is never kept until the session it may be about."""
    if emergency or purpose != Category.CLINICAL:
        return None
    agreement = ContactAgreement.objects.filter(
        client=client, status=AgreementStatus.ACTIVE, can_this_wait=True
    ).first()
    if agreement is None:
        return None
    if detect(body).category in (Category.URGENT, Category.CRISIS):
        return None
    plan = SafetyPlan.objects.filter(client=client).first()
    own = [line.strip() for line in (plan.coping_strategies if plan else "").splitlines()]
    places = [line.strip() for line in (plan.distractions if plan else "").splitlines()]
    return {
        "coping_steps": [line for line in own if line],
        "distractions": [line for line in places if line],
        "next_session": TherapySession.objects.filter(
            client=client, starts_at__gt=timezone.now(), cancelled_at=None
        )
        .order_by("starts_at")
        .first(),
    }
