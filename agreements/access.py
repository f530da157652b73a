"""Who may open which client, agreement, safety plan, away or crisis period and API token.

Each ``access_*`` returns the object when the viewer may see it and raises ``Http404``
otherwise, so a stranger cannot tell an object exists. Role checks happen before (``roles``).

Paged care-team access (DESIGN.md, invariant 7): whoever is paged for an escalation — the
therapist, their cover, the on-call clinician, a named backup, the admins — may open the message,
its thread, the client's contact card, safety plan and active agreement while the escalation is
open and for ``PAGED_ACCESS_AFTER_CLOSE`` after it closed. The ``*_to_read`` helpers return what
was asked for and the escalation that let the viewer in (``None`` when the normal rules did), so
the view can log the read; writes keep the normal rules.
"""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from messaging.models import Escalation, EscalationState, Notification, NotificationPurpose

from .models import (
    AgreementStatus,
    ApiToken,
    AwayPeriod,
    ContactAgreement,
    CrisisPeriod,
    Membership,
    Role,
    SafetyPlan,
    User,
)

#: How long after an escalation closes (its outcome recorded) the people paged for it may still
#: open what they were paged for; after that the normal rules apply again.
PAGED_ACCESS_AFTER_CLOSE = timedelta(hours=72)
_PAGED_PURPOSES = (NotificationPurpose.PAGE, NotificationPurpose.INCIDENT)
_CARE_TEAM_ROLES = (Role.THERAPIST, Role.ADMIN)


def paged_escalations(*, viewer: Membership, now=None) -> QuerySet[Escalation]:
    """The escalations of the viewer's practice that paged them (or that they acknowledged),
    still open or closed less than ``PAGED_ACCESS_AFTER_CLOSE`` ago. Staff only.

    Open means still paging (or unacknowledged at the end of the chain). It closes when a
    clinician acknowledges it, and again — counting from then — when the outcome is recorded,
    so the one working the crisis keeps access while they record it, yet an acknowledged
    escalation nobody closed does not stay open for ever.
    """
    if viewer.role not in _CARE_TEAM_ROLES or not viewer.is_active:
        return Escalation.objects.none()
    now = now or timezone.now()
    pages = Notification.objects.filter(
        practice_id=viewer.practice_id, recipient_id=viewer.user_id, purpose__in=_PAGED_PURPOSES
    ).values("escalation_id")
    return Escalation.objects.filter(practice_id=viewer.practice_id).filter(
        (Q(pk__in=pages) | Q(acknowledged_by_id=viewer.user_id))
        & (
            Q(state__in=[EscalationState.ACTIVE, EscalationState.EXHAUSTED])
            | Q(acknowledged_at__gt=now - PAGED_ACCESS_AFTER_CLOSE)
            | Q(outcome_recorded_at__gt=now - PAGED_ACCESS_AFTER_CLOSE)
        )
    )


def paged_escalation_for_client(*, viewer: Membership, client_id: int) -> Escalation | None:
    """The newest escalation for this client that gives the viewer paged access, if any."""
    return (
        paged_escalations(viewer=viewer)
        .filter(client_id=client_id)
        .select_related("practice", "client__user")
        .order_by("-started_at")
        .first()
    )


def paged_escalation_for_message(
    *, viewer: Membership, message_ids: list[int]
) -> Escalation | None:
    """The escalation (started by or joined by one of ``message_ids``) that gives the viewer
    paged access, if any."""
    return (
        paged_escalations(viewer=viewer)
        .filter(Q(message_id__in=message_ids) | Q(joined_messages__in=message_ids))
        .select_related("practice", "client__user")
        .order_by("-started_at")
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


def access_client_to_read(
    *, viewer: Membership, client_id: int
) -> tuple[Membership, Escalation | None]:
    """The client's page and contact card: the normal rules, else paged care-team access."""
    try:
        return access_client(viewer=viewer, client_id=client_id), None
    except Http404:
        paged = paged_escalation_for_client(viewer=viewer, client_id=client_id)
        if paged is None:
            raise
    client = (
        Membership.objects.select_related("user", "practice", "therapist__user")
        .filter(pk=client_id, role=Role.CLIENT, practice=viewer.practice)
        .first()
    )
    if client is None:
        raise Http404
    return client, paged


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


def access_agreement_to_read(
    *, viewer: Membership, agreement_id: int
) -> tuple[ContactAgreement, Escalation | None]:
    """An agreement: the normal rules, else the client's active one through paged access."""
    try:
        return access_agreement(viewer=viewer, agreement_id=agreement_id), None
    except Http404:
        if viewer.role not in _CARE_TEAM_ROLES:
            raise
        agreement = (
            ContactAgreement.objects.select_related("client__user", "therapist__user", "practice")
            .filter(pk=agreement_id, practice=viewer.practice, status=AgreementStatus.ACTIVE)
            .first()
        )
        paged = (
            paged_escalation_for_client(viewer=viewer, client_id=agreement.client_id)
            if agreement is not None
            else None
        )
        if paged is None:
            raise
    return agreement, paged


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


def access_safety_plan_to_read(
    *, viewer: Membership, client_id: int
) -> tuple[SafetyPlan, Escalation | None]:
    """The safety plan: the normal rules, else paged care-team access (admins included)."""
    try:
        return access_safety_plan(viewer=viewer, client_id=client_id), None
    except Http404:
        paged = paged_escalation_for_client(viewer=viewer, client_id=client_id)
        if paged is None:
            raise
    client = paged.client
    plan, _ = SafetyPlan.objects.select_related("client__user", "updated_by").get_or_create(
        client=client
    )
    return plan, paged


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


def access_api_token(*, user: User, token_id: int) -> ApiToken:
    """The person's own token; anyone else's is ``Http404`` so ids reveal nothing."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    return token
