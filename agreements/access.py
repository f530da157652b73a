"""Who may open which client, agreement, safety plan, away or crisis period and API token.

Each ``access_*`` returns the object when the viewer may see it and raises ``Http404``
otherwise, so a stranger cannot tell an object exists. Role checks happen before (``roles``).
"""

from django.http import Http404

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


def access_api_token(*, user: User, token_id: int) -> ApiToken:
    """The person's own token; anyone else's is ``Http404`` so ids reveal nothing."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    return token
