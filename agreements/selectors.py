"""Reads, and the permission checks that go with them.

``access_*`` functions return the object when the viewer may see it and raise ``Http404``
otherwise, so a stranger cannot tell an object exists. Role checks happen before (``roles``).
"""

from datetime import date, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from messaging.models import EscalationPolicy

from .models import (
    AgreementStatus,
    AwayPeriod,
    ContactAgreement,
    CrisisPeriod,
    Invitation,
    Membership,
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


def access_client(*, viewer: Membership, client_id: int) -> Membership:
    """A client the viewer may work with: their therapist, or an admin of the practice."""
    query = Membership.objects.select_related("user", "practice", "therapist__user").filter(
        pk=client_id, role=Role.CLIENT, practice=viewer.practice
    )
    if viewer.role == Role.THERAPIST:
        query = query.filter(therapist=viewer)
    elif viewer.role != Role.ADMIN:
        raise Http404
    client = query.first()
    if client is None:
        raise Http404
    return client


def access_agreement(*, viewer: Membership, agreement_id: int) -> ContactAgreement:
    query = ContactAgreement.objects.select_related(
        "client__user",
        "therapist__user",
        "practice",
        "escalation_policy",
        "acceptance__accepted_by",
    ).filter(pk=agreement_id, practice=viewer.practice)
    if viewer.role == Role.THERAPIST:
        query = query.filter(client__therapist=viewer)
    elif viewer.role == Role.CLIENT:
        query = query.filter(client=viewer).exclude(status=AgreementStatus.DRAFT)
    agreement = query.first()
    if agreement is None:
        raise Http404
    return agreement


def access_safety_plan(*, viewer: Membership, client_id: int) -> SafetyPlan:
    """Safety plans are clinical: the client and their therapist only, never an admin."""
    if viewer.role == Role.CLIENT and viewer.pk == client_id:
        client = viewer
    elif viewer.role == Role.THERAPIST:
        client = access_client(viewer=viewer, client_id=client_id)
    else:
        raise Http404
    plan, _ = SafetyPlan.objects.select_related("client__user", "updated_by").get_or_create(
        client=client
    )
    return plan


def access_away_period(*, viewer: Membership, period_id: int) -> AwayPeriod:
    period = AwayPeriod.objects.filter(pk=period_id, therapist=viewer).first()
    if period is None:
        raise Http404
    return period


def access_crisis_period(*, viewer: Membership, period_id: int) -> CrisisPeriod:
    period = (
        CrisisPeriod.objects.select_related("client__practice", "client__user")
        .filter(pk=period_id, client__therapist=viewer)
        .first()
    )
    if period is None:
        raise Http404
    return period


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


def agreement_current_for_client(*, client: Membership) -> ContactAgreement | None:
    return (
        ContactAgreement.objects.filter(client=client, status=AgreementStatus.ACTIVE)
        .select_related("escalation_policy", "acceptance", "practice")
        .prefetch_related("channel_rules", "response_windows")
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
                queryset=CrisisPeriod.objects.filter(
                    ended_early_at=None, ends_at__gt=timezone.now(), starts_at__lte=timezone.now()
                ),
                to_attr="active_crisis_periods",
            ),
        )
        .order_by("user__name")
    )


def agreements_due_for_review(*, therapist: Membership, today: date) -> QuerySet[ContactAgreement]:
    return (
        ContactAgreement.objects.filter(
            therapist=therapist,
            status=AgreementStatus.ACTIVE,
            review_due__lte=today + timedelta(days=14),
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


def crisis_period_current(*, client: Membership, at=None) -> CrisisPeriod | None:
    at = at or timezone.now()
    return (
        client.crisis_periods.filter(starts_at__lte=at, ends_at__gt=at)
        .filter(Q(ended_early_at=None) | Q(ended_early_at__gt=at))
        .first()
    )
