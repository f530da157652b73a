"""Escalation pages: the timeline, acknowledging (link or in the app), and the outcome."""

from django import forms
from django.contrib import messages as flash
from django.core import signing
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agreements.models import Role
from agreements.roles import role_required

from ..models import ContactEvent, Escalation, EscalationState, Notification, SafetyOutcome
from . import engine, machine


def access_escalation(*, viewer, escalation_id: int) -> Escalation:
    """Clinicians and admins of the practice; nobody else (not even the operator)."""
    escalation = (
        Escalation.objects.select_related(
            "message__current_decision",
            "client__user",
            "therapist__user",
            "acknowledged_by",
            "outcome_recorded_by",
            "practice",
        )
        .filter(pk=escalation_id, practice=viewer.practice)
        .first()
    )
    if escalation is None or viewer.role not in (Role.THERAPIST, Role.ADMIN):
        raise Http404
    return escalation


class OutcomeForm(forms.Form):
    client_contacted = forms.BooleanField(required=False, label="I have spoken with the client")
    outcome = forms.ChoiceField(choices=SafetyOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


def _timeline(escalation: Escalation) -> list[dict]:
    events = ContactEvent.objects.filter(message=escalation.message).order_by("occurred_at", "pk")
    return [
        {"at": e.occurred_at, "what": e.get_event_type_display(), "detail": e.summary}
        for e in events
    ]


@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_detail(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(viewer=request.membership, escalation_id=escalation_id)
    snapshot = machine.PolicySnapshot.from_json(escalation.policy_snapshot)
    notifications = Notification.objects.filter(escalation=escalation).select_related("recipient")
    return render(
        request,
        "escalation/escalation_detail.html",
        {
            "escalation": escalation,
            "chain": machine.describe(snapshot),
            "notifications": notifications.order_by("created_at", "pk"),
            "timeline": _timeline(escalation),
            "outcome_form": OutcomeForm(),
            "is_open": escalation.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED),
        },
    )


@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_list(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    query = Escalation.objects.filter(practice=practice).select_related(
        "client__user", "acknowledged_by"
    )
    if request.membership.role == Role.THERAPIST:
        # Therapists see their own clients' escalations, unknown callers, and open ones.
        query = query.filter(
            Q(client__therapist=request.membership)
            | Q(client__isnull=True)
            | Q(state__in=[EscalationState.ACTIVE, EscalationState.EXHAUSTED])
        )
    return render(
        request,
        "escalation/escalation_list.html",
        {"escalations": query.order_by("-started_at")[:100], "health": engine.engine_health()},
    )


@require_POST
@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(viewer=request.membership, escalation_id=escalation_id)
    result = engine.escalation_acknowledge(
        escalation_id=escalation.pk, by=request.user, via="in_app"
    )
    if result.won:
        flash.success(request, "Acknowledged. Paging has stopped; please contact the client now.")
    else:
        flash.info(request, "This escalation was already acknowledged.")
    return redirect("escalation_detail", escalation_id=escalation.pk)


@require_POST
@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_outcome(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(viewer=request.membership, escalation_id=escalation_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            engine.escalation_record_outcome(
                escalation_id=escalation.pk,
                by=request.user,
                client_contacted=form.cleaned_data["client_contacted"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValueError as error:
            flash.error(request, str(error))
        else:
            flash.success(request, "Outcome recorded.")
            return redirect("escalation_detail", escalation_id=escalation.pk)
    snapshot = machine.PolicySnapshot.from_json(escalation.policy_snapshot)
    return render(
        request,
        "escalation/escalation_detail.html",
        {
            "escalation": escalation,
            "chain": machine.describe(snapshot),
            "notifications": Notification.objects.filter(escalation=escalation),
            "timeline": _timeline(escalation),
            "outcome_form": form,
            "is_open": escalation.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED),
        },
        status=400,
    )


def escalation_ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a page. GET shows one button (link previews must not acknowledge); POST acks.

    The signed token stands for the paged clinician, so it works without signing in; it expires
    after a day and, once the escalation is acknowledged, acknowledges nothing more.
    """
    try:
        notification = engine.ack_from_token(token)
    except (signing.BadSignature, Notification.DoesNotExist):
        return render(request, "escalation/ack_invalid.html", status=410)
    escalation = notification.escalation
    if request.method == "POST":
        result = engine.escalation_acknowledge(
            escalation_id=escalation.pk, by=notification.recipient, via="link"
        )
        escalation = result.escalation
        return render(
            request, "escalation/ack_done.html", {"escalation": escalation, "won": result.won}
        )
    return render(
        request,
        "escalation/ack_confirm.html",
        {"escalation": escalation, "notification": notification},
    )
