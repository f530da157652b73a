"""Reads for practices, clients, agreements and therapists' hours and time away.

What a viewer may open is decided in ``access``; these functions read what the caller asks for.
"""

import zoneinfo
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from messaging.models import EscalationPolicy

from .models import (
    AgreementStatus,
    AwayPeriod,
    ChannelRule,
    ContactAgreement,
    CrisisPeriod,
    Invitation,
    Membership,
    OfficeHours,
    ResponseWindow,
    Role,
    SafetyPlan,
    User,
)


def membership_for_user(user: User) -> Membership | None:
    """The membership a signed-in person acts through (one practice per person)."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("practice", "user", "therapist__user")
        .filter(user=user, is_active=True)
        .order_by("created_at")
        .first()
    )


def time_zone_of(user: User) -> zoneinfo.ZoneInfo | None:
    """The zone a person reads times in (their membership's), for a page they reach by a link
    without signing in; None for someone with no membership."""
    membership = Membership.objects.filter(user=user, is_active=True).order_by("created_at").first()
    return membership.zone if membership else None


def agreement_versions(*, client: Membership) -> QuerySet[ContactAgreement]:
    return (
        ContactAgreement.objects.filter(client=client)
        .select_related("acceptance__accepted_by", "created_by")
        .order_by("-version")
    )


def agreement_with_terms(agreement_id: int) -> ContactAgreement:
    return (
        ContactAgreement.objects.select_related("escalation_policy", "client__user", "practice")
        .prefetch_related("channel_rules", "response_windows")
        .get(pk=agreement_id)
    )


def agreement_previous(*, agreement: ContactAgreement) -> ContactAgreement | None:
    """The version just before this one, if any."""
    return (
        ContactAgreement.objects.filter(client=agreement.client, version__lt=agreement.version)
        .order_by("-version")
        .first()
    )


def channel_rules_by_channel(*, agreement: ContactAgreement) -> dict[str, ChannelRule]:
    return {rule.channel: rule for rule in agreement.channel_rules.all()}


def response_windows_by_category(*, agreement: ContactAgreement) -> dict[str, ResponseWindow]:
    return {window.category: window for window in agreement.response_windows.all()}


def office_hours_of(*, therapist: Membership) -> QuerySet[OfficeHours]:
    return therapist.office_hours.all()


def away_periods_upcoming(*, therapist: Membership) -> QuerySet[AwayPeriod]:
    """Away periods not yet over, current ones included."""
    return therapist.away_periods.select_related("covering_therapist__user").filter(
        ends_at__gt=timezone.now()
    )


def safety_plan_for_client(*, client: Membership) -> SafetyPlan | None:
    """The client's own plan, if one was ever written (reading it never creates one)."""
    return SafetyPlan.objects.filter(client=client).first()


def agreement_current_for_client(*, client: Membership) -> ContactAgreement | None:
    return (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.ACTIVE)
        .select_related("escalation_policy", "acceptance", "practice")
        .prefetch_related("channel_rules", "response_windows")
        .first()
    )


def agreement_active_id(*, client: Membership | None) -> int | None:
    """The id of the client's active agreement, for a link (no terms read)."""
    if client is None:
        return None
    return (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )


def agreement_proposed_for_client(*, client: Membership) -> ContactAgreement | None:
    return (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.PROPOSED)
        .select_related("escalation_policy", "practice")
        .prefetch_related("channel_rules", "response_windows")
        .first()
    )


def client_list_for_therapist(*, therapist: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(therapist=therapist, role=Role.CLIENT, is_active=True)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "agreements",
                queryset=ContactAgreement.objects.exclude(
                    status__in=[AgreementStatus.SUPERSEDED, AgreementStatus.ENDED]
                ).order_by("-version"),
                to_attr="open_agreements",
            ),
            Prefetch(
                "crisis_periods",
                queryset=CrisisPeriod.objects.filter(_crisis_period_running(timezone.now())),
                to_attr="active_crisis_periods",
            ),
        )
        .order_by("user__name")
    )


#: How far ahead an agreement's review shows as due, for therapists and in oversight alike.
REVIEW_HORIZON = timedelta(days=14)


def review_due_cutoff(today: date) -> date:
    """Agreements whose review falls on or before this day are due for review."""
    return today + REVIEW_HORIZON


def agreements_due_for_review(*, therapist: Membership, today: date) -> QuerySet[ContactAgreement]:
    return (
        ContactAgreement.objects.filter(
            therapist=therapist,
            status=AgreementStatus.ACTIVE,
            review_due__lte=review_due_cutoff(today),
        )
        .select_related("client__user")
        .order_by("review_due")
    )


def staff_list_for_practice(*, practice) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(practice=practice)
        .exclude(role=Role.CLIENT)
        .select_related("user")
        .order_by("role", "user__name")
    )


def client_list_for_practice(*, practice) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(practice=practice, role=Role.CLIENT)
        .select_related("user", "therapist__user")
        .prefetch_related(
            Prefetch(
                "agreements",
                queryset=ContactAgreement.objects.exclude(
                    status__in=[AgreementStatus.SUPERSEDED, AgreementStatus.ENDED]
                ).order_by("-version"),
                to_attr="open_agreements",
            )
        )
        .order_by("user__name")
    )


def open_invitations(*, practice, invited_by: User | None = None) -> QuerySet[Invitation]:
    query = Invitation.objects.filter(practice=practice, accepted_at=None, revoked_at=None)
    if invited_by is not None:
        query = query.filter(invited_by=invited_by)
    return query.order_by("-created_at")


def therapists_of_practice(*, practice, exclude: Membership | None = None) -> QuerySet[Membership]:
    query = Membership.objects.filter(
        practice=practice, role=Role.THERAPIST, is_active=True
    ).select_related("user")
    if exclude is not None:
        query = query.exclude(pk=exclude.pk)
    return query


def escalation_policies_of_practice(*, practice) -> QuerySet[EscalationPolicy]:
    return EscalationPolicy.objects.filter(practice=practice)


def _crisis_period_running(at: datetime) -> Q:
    """The one definition of a crisis period in force: started, not over, not ended early."""
    return Q(starts_at__lte=at, ends_at__gt=at) & (
        Q(ended_early_at=None) | Q(ended_early_at__gt=at)
    )


def crisis_period_current(*, client: Membership, at=None) -> CrisisPeriod | None:
    at = at or timezone.now()
    return client.crisis_periods.filter(_crisis_period_running(at)).first()
