"""Reads intake needs: the agreement snapshot and contact history triage runs against, and
recognising who sent a message and to which practice.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from agreements.calendars import business_calendar_for, practice_calendar
from agreements.models import (
    AgreementStatus,
    ContactAgreement,
    Membership,
    Practice,
    Role,
    TherapySession,
)
from agreements.phones import phone_match_key
from agreements.selectors import crisis_period_current
from messaging.models import (
    Direction,
    EnvelopeStatus,
    InboundEnvelope,
    Message,
    MessageStatus,
    TriageDecision,
)
from messaging.triage import engine


def agreement_snapshot(agreement: ContactAgreement | None) -> engine.AgreementSnapshot | None:
    if agreement is None:
        return None
    return engine.AgreementSnapshot(
        agreement_id=agreement.pk,
        version=agreement.version,
        channels={
            rule.channel: engine.ChannelTerms(
                channel=rule.channel,
                enabled=rule.enabled,
                allowed_purposes=frozenset(rule.allowed_purposes),
                after_hours_allowed=rule.after_hours_allowed,
            )
            for rule in agreement.channel_rules.all()
        },
        response_windows={
            window.category: engine.WindowTerms(amount=window.amount, unit=window.unit)
            for window in agreement.response_windows.all()
        },
        hold_clinical_for_session=agreement.hold_clinical_for_session,
        frequency_limit_per_week=agreement.frequency_limit_per_week,
    )


def active_agreement(client: Membership) -> ContactAgreement | None:
    return (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.ACTIVE)
        .prefetch_related("channel_rules", "response_windows")
        .first()
    )


def contact_history(client: Membership, before: datetime) -> engine.ContactHistory:
    since = before - timedelta(days=7)
    inbound = Message.objects.filter(
        client=client, direction=Direction.INBOUND, received_at__lt=before
    )
    counted = (
        inbound.filter(received_at__gte=since)
        .exclude(current_decision__category="crisis")
        .exclude(current_decision__is_check_in=True)
        .count()
    )
    last_check_in = (
        inbound.filter(current_decision__is_check_in=True)
        .order_by("-received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return engine.ContactHistory(
        non_crisis_messages_last_7_days=counted, last_check_in_at=last_check_in
    )


def next_session(client: Membership, after: datetime) -> TherapySession | None:
    return (
        TherapySession.objects.filter(client=client, starts_at__gt=after, cancelled_at=None)
        .order_by("starts_at")
        .first()
    )


def last_session(client: Membership, before: datetime) -> TherapySession | None:
    return (
        TherapySession.objects.filter(client=client, starts_at__lte=before, cancelled_at=None)
        .order_by("-starts_at")
        .first()
    )


def triage_context(
    *, practice: Practice, client: Membership | None, received_at: datetime
) -> tuple[engine.TriageContext, ContactAgreement | None]:
    if client is None:
        return (
            engine.TriageContext(
                agreement=None,
                calendar=practice_calendar(practice),
                crisis_period=None,
                history=engine.ContactHistory(0, None),
                next_session_at=None,
            ),
            None,
        )
    agreement = active_agreement(client)
    period = crisis_period_current(client=client, at=received_at)
    session = next_session(client, received_at)
    context = engine.TriageContext(
        agreement=agreement_snapshot(agreement),
        calendar=business_calendar_for(client.therapist, around=received_at),
        crisis_period=engine.CrisisPeriodSnapshot(
            starts_at=period.starts_at,
            ends_at=min(period.ends_at, period.ended_early_at or period.ends_at),
            check_in_interval=period.check_in_interval,
        )
        if period
        else None,
        history=contact_history(client, received_at),
        next_session_at=session.starts_at if session else None,
    )
    return context, agreement


def client_by_phone(phone: str) -> Membership | None:
    """The one client whose phone matches ``phone`` (``phone_match_key``), else None."""
    key = phone_match_key(phone)
    if key is None:
        return None
    candidates = Membership.objects.select_related("user", "practice", "therapist__user").filter(
        role=Role.CLIENT, is_active=True, user__phone__endswith=key[-4:]
    )
    matches = [m for m in candidates if phone_match_key(m.user.phone) == key]
    return matches[0] if len(matches) == 1 else None


def client_by_email(address: str) -> Membership | None:
    return (
        Membership.objects.select_related("user", "practice", "therapist__user")
        .filter(role=Role.CLIENT, is_active=True, user__email__iexact=address.strip())
        .first()
    )


def client_search(*, practice: Practice, query: str) -> QuerySet[Membership]:
    query = query.strip()
    members = Membership.objects.filter(
        practice=practice, role=Role.CLIENT, is_active=True
    ).select_related("user", "therapist__user")
    if not query:
        return members.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = Q(user__name__icontains=query) | Q(user__email__icontains=query)
    if len(digits) >= 4:
        condition |= Q(user__phone__contains=digits[-4:])
    return members.filter(condition).order_by("user__name")[:20]


def client_search_by_id(*, practice: Practice, client_id: int) -> Membership | None:
    return (
        Membership.objects.select_related("user", "therapist__user")
        .filter(pk=client_id, practice=practice, role=Role.CLIENT, is_active=True)
        .first()
    )


def practice_for_inbound(*, to_address: str) -> Practice | None:
    """The practice an unknown sender wrote to: by its number or address, else the one named by
    ``CONTACTPOLICY_SINGLE_PRACTICE_ID`` (an instance that serves one practice), else None —
    never a guess such as the oldest practice: the request is then quarantined."""
    to_address = to_address.strip()
    if to_address:
        key = phone_match_key(to_address)
        for practice in Practice.objects.all():
            if practice.inbound_email and practice.inbound_email.lower() == to_address.lower():
                return practice
            if key and phone_match_key(practice.inbound_sms_number) == key:
                return practice
    single = settings.CONTACTPOLICY_SINGLE_PRACTICE_ID
    return Practice.objects.filter(pk=single).first() if single else None


def envelopes_quarantined() -> QuerySet[InboundEnvelope]:
    """The requests no practice could be told for, newest first (instance administrators)."""
    return InboundEnvelope.objects.filter(status=EnvelopeStatus.QUARANTINED).order_by(
        "-received_at", "-id"
    )


def envelopes_quarantined_count() -> int:
    return InboundEnvelope.objects.filter(status=EnvelopeStatus.QUARANTINED).count()


_UNFINISHED = (EnvelopeStatus.PENDING, EnvelopeStatus.PROCESSING, EnvelopeStatus.FAILED)


def envelopes_due(*, now: datetime, limit: int) -> list[int]:
    """Ids of the unfinished envelopes whose retry (or lapsed claim) is due, oldest first."""
    return list(
        InboundEnvelope.objects.filter(status__in=_UNFINISHED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def envelopes_needing_attention_count(*, practice: Practice, now: datetime | None = None) -> int:
    """Inbound requests of ``practice`` (or of no practice yet) not turned into messages:
    failed ones, and ones whose processing stopped without saying so (a killed worker)."""
    now = now or timezone.now()
    return (
        InboundEnvelope.objects.filter(Q(practice=practice) | Q(practice__isnull=True))
        .filter(
            Q(status=EnvelopeStatus.FAILED) | Q(status__in=_UNFINISHED, next_attempt_at__lt=now)
        )
        .count()
    )


#: What a client may raise ("this can't wait"): a message that is held, or delivered and waiting.
RAISABLE_DISPOSITIONS = ("deliver", "hold_for_session")


def was_raised(decision: TriageDecision | None) -> bool:
    """Whether this decision was made because the client said the message can't wait."""
    return decision is not None and any(
        rule.get("code") == engine.CLIENT_RAISED for rule in decision.rules
    )


def message_is_raisable(message: Message) -> bool:
    """Held or delivered, not yet answered, from a known client, and not raised already."""
    decision = message.current_decision
    return (
        message.direction == Direction.INBOUND
        and message.client_id is not None
        and decision is not None
        and decision.disposition in RAISABLE_DISPOSITIONS
        and message.status != MessageStatus.REPLIED
        and not was_raised(decision)
    )


def message_to_raise(*, client: Membership, channel: str) -> Message | None:
    """The message a keyword reply on ``channel`` raises: the client's latest inbound message on
    that channel, while it is held or delivered and unanswered (or raised already, so that a
    second keyword is the same raise). None otherwise: the reply is then a message of its own.
    """
    latest = (
        Message.objects.select_related("current_decision")
        .filter(client=client, channel=channel, direction=Direction.INBOUND)
        .order_by("-received_at", "-id")
        .first()
    )
    if latest is None or latest.status == MessageStatus.REPLIED:
        return None
    if message_is_raisable(latest) or was_raised(latest.current_decision):
        return latest
    return None
