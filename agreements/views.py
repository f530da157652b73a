"""Thin views: parse input with a form, call one service, render or redirect."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from messaging.contactlog.services import care_team_read_record

from . import access, selectors, services
from .forms import (
    AgreementTermsForm,
    AwayPeriodForm,
    ChannelRuleForm,
    ClientInvitationForm,
    CrisisPeriodForm,
    InvitationAcceptForm,
    OfficeHoursFormSet,
    PracticeSettingsForm,
    ResponseWindowForm,
    SafetyPlanForm,
    StaffInvitationForm,
    TherapistTimeZoneForm,
    add_service_errors,
)
from .models import Channel, ContactAgreement, Purpose, Role
from .roles import role_required
from .terms import agreement_terms, terms_diff

HOME_FOR_ROLE = {
    Role.ADMIN: "practice_home",
    Role.THERAPIST: "therapist_inbox",
    Role.CLIENT: "client_home",
    Role.OPERATOR: "operator_console",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = selectors.membership_for_user(request.user)
    if membership is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        raise PermissionDenied
    return redirect(HOME_FOR_ROLE[Role(membership.role)])


# --- invitations ---------------------------------------------------------------------------


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationInvalid as problem:
        return render(
            request, "agreements/invitation_invalid.html", {"problem": problem}, status=410
        )
    form = InvitationAcceptForm(
        request.POST or None, email=invitation.email, initial={"name": invitation.name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
            )
        except services.InvitationInvalid as problem:
            return render(
                request, "agreements/invitation_invalid.html", {"problem": problem}, status=410
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invitation.practice.name}.")
        return redirect("home")
    return render(
        request, "agreements/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _invitation_link(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


# --- practice admin ------------------------------------------------------------------------


@role_required(Role.ADMIN)
def practice_home(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    return render(
        request,
        "agreements/practice_home.html",
        {
            "staff": selectors.staff_list_for_practice(practice=practice),
            "clients": selectors.client_list_for_practice(practice=practice),
            "invitations": selectors.open_invitations(practice=practice),
        },
    )


@role_required(Role.ADMIN)
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = StaffInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, path = services.invitation_create(
                practice=request.membership.practice,
                by=request.user,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=Role(form.cleaned_data["role"]),
                on_call_eligible=form.cleaned_data["on_call_eligible"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation emailed to {invitation.email}. "
                f"Link (single use): {_invitation_link(request, path)}",
            )
            return redirect("practice_home")
    return render(request, "agreements/invite.html", {"form": form, "title": "Invite staff"})


@role_required(Role.ADMIN)
def practice_settings(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    form = PracticeSettingsForm(request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        services.practice_update_settings(
            practice=practice,
            by=request.user,
            changes={field: form.cleaned_data[field] for field in form.changed_data},
        )
        messages.success(request, "Practice settings saved.")
        return redirect("practice_settings")
    return render(request, "agreements/practice_settings.html", {"form": form})


# --- therapist -----------------------------------------------------------------------------


@role_required(Role.THERAPIST)
def therapist_home(request: HttpRequest) -> HttpResponse:
    therapist = request.membership
    return render(
        request,
        "agreements/therapist_home.html",
        {
            "clients": selectors.client_list_for_therapist(therapist=therapist),
            "due_for_review": selectors.agreements_due_for_review(
                therapist=therapist, today=timezone.localdate()
            ),
            "invitations": selectors.open_invitations(
                practice=therapist.practice, invited_by=request.user
            ),
            "today": timezone.localdate(),
        },
    )


@role_required(Role.THERAPIST)
def client_invite(request: HttpRequest) -> HttpResponse:
    form = ClientInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, path = services.invitation_create(
                practice=request.membership.practice,
                by=request.user,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=Role.CLIENT,
                therapist=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Invitation emailed to {invitation.email}. "
                f"Link (single use): {_invitation_link(request, path)}",
            )
            return redirect("therapist_home")
    return render(request, "agreements/invite.html", {"form": form, "title": "Invite a client"})


@role_required(Role.THERAPIST)
def office_hours(request: HttpRequest) -> HttpResponse:
    therapist = request.membership
    initial = [
        {"weekday": h.weekday, "start": h.start, "end": h.end}
        for h in selectors.office_hours_of(therapist=therapist)
    ]
    formset = OfficeHoursFormSet(request.POST or None, initial=initial, prefix="hours")
    zone_form = TherapistTimeZoneForm(
        request.POST or None, initial={"time_zone": therapist.time_zone}
    )
    if request.method == "POST" and formset.is_valid() and zone_form.is_valid():
        services.office_hours_update(
            therapist=therapist,
            by=request.user,
            time_zone=zone_form.cleaned_data["time_zone"],
            windows=formset.windows(),
        )
        messages.success(request, "Office hours saved. Due times use them from now on.")
        return redirect("office_hours")
    return render(
        request, "agreements/office_hours.html", {"formset": formset, "zone_form": zone_form}
    )


@role_required(Role.THERAPIST)
def away_periods(request: HttpRequest) -> HttpResponse:
    therapist = request.membership
    form = AwayPeriodForm(
        request.POST or None,
        therapists=selectors.therapists_of_practice(practice=therapist.practice, exclude=therapist),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.away_period_add(therapist=therapist, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Away period saved.")
            return redirect("away_periods")
    return render(
        request,
        "agreements/away_periods.html",
        {"form": form, "periods": selectors.away_periods_upcoming(therapist=therapist)},
    )


@require_POST
@role_required(Role.THERAPIST)
def away_period_delete(request: HttpRequest, period_id: int) -> HttpResponse:
    period = access.access_away_period(viewer=request.membership, period_id=period_id)
    services.away_period_remove(period=period, by=request.user)
    messages.success(request, "Away period removed.")
    return redirect("away_periods")


@role_required(Role.THERAPIST, Role.ADMIN)
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client, paged = access.access_client_to_read(viewer=request.membership, client_id=client_id)
    if paged is not None:
        care_team_read_record(escalation=paged, by=request.user, what="contact card", client=client)
    return render(
        request,
        "agreements/client_detail.html",
        {
            "client": client,
            "paged": paged,
            "versions": selectors.agreement_versions(client=client),
            "crisis_period": selectors.crisis_period_current(client=client),
            "can_edit": request.membership.role == Role.THERAPIST and paged is None,
        },
    )


@require_POST
@role_required(Role.THERAPIST)
def agreement_draft(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.access_client(viewer=request.membership, client_id=client_id)
    try:
        draft = services.agreement_start_draft(client=client, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("client_detail", client_id=client.pk)
    return redirect("agreement_edit", agreement_id=draft.pk)


def _agreement_forms(request: HttpRequest, agreement: ContactAgreement):
    data = request.POST if request.method == "POST" else None
    rules = selectors.channel_rules_by_channel(agreement=agreement)
    windows = selectors.response_windows_by_category(agreement=agreement)
    terms_form = AgreementTermsForm(
        data,
        instance=agreement,
        policies=selectors.escalation_policies_of_practice(practice=agreement.practice),
    )
    channel_forms = [
        ChannelRuleForm(
            data,
            channel=channel,
            initial={
                field: getattr(rules[channel.value], field)
                for field in services.CHANNEL_RULE_FIELDS
            }
            if channel.value in rules
            else {},
        )
        for channel in Channel
    ]
    window_forms = [
        ResponseWindowForm(
            data,
            category=category,
            initial={"amount": windows[category.value].amount, "unit": windows[category.value].unit}
            if category.value in windows
            else {"unit": "hours"},
        )
        for category in (Purpose.URGENT, Purpose.LOGISTICS, Purpose.CLINICAL)
    ]
    return terms_form, channel_forms, window_forms


@role_required(Role.THERAPIST)
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = access.access_agreement(viewer=request.membership, agreement_id=agreement_id)
    if not agreement.is_editable:
        messages.info(request, "This version can't change. Start a new draft to change the terms.")
        return redirect("agreement_detail", agreement_id=agreement.pk)
    terms_form, channel_forms, window_forms = _agreement_forms(request, agreement)
    all_forms = [terms_form, *channel_forms, *window_forms]
    if request.method == "POST" and all(form.is_valid() for form in all_forms):
        terms = {field: terms_form.cleaned_data[field] for field in services.AGREEMENT_TERM_FIELDS}
        try:
            services.agreement_update_draft(
                agreement=agreement,
                by=request.user,
                terms=terms,
                channel_rules={f.channel.value: f.rule_values() for f in channel_forms},
                response_windows={f.category.value: f.window() for f in window_forms},
            )
            if "propose" in request.POST:
                services.agreement_propose(agreement=agreement, by=request.user)
                messages.success(
                    request, f"Version {agreement.version} sent to the client to accept."
                )
                return redirect("agreement_detail", agreement_id=agreement.pk)
        except ValidationError as error:
            add_service_errors(terms_form, error)
        else:
            messages.success(request, "Draft saved.")
            return redirect("agreement_edit", agreement_id=agreement.pk)
    return render(
        request,
        "agreements/agreement_edit.html",
        {
            "agreement": agreement,
            "terms_form": terms_form,
            "channel_forms": channel_forms,
            "window_forms": window_forms,
            "office_hours": selectors.office_hours_of(therapist=agreement.therapist),
        },
    )


@role_required(Role.THERAPIST, Role.ADMIN)
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement, paged = access.access_agreement_to_read(
        viewer=request.membership, agreement_id=agreement_id
    )
    if paged is not None:
        care_team_read_record(
            escalation=paged, by=request.user, what="agreement", agreement=agreement
        )
    agreement = selectors.agreement_with_terms(agreement.pk)
    previous = selectors.agreement_previous(agreement=agreement)
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "paged": paged,
            "terms": agreement_terms(agreement),
            "previous": previous if paged is None else None,
            "can_edit": request.membership.role == Role.THERAPIST and paged is None,
        },
    )


@role_required(Role.THERAPIST, Role.ADMIN)
def agreement_changes(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = access.access_agreement(viewer=request.membership, agreement_id=agreement_id)
    previous = selectors.agreement_previous(agreement=agreement)
    if previous is None:
        raise Http404("The first version has nothing to compare with.")
    current = selectors.agreement_with_terms(agreement.pk)
    before = selectors.agreement_with_terms(previous.pk)
    return render(
        request,
        "agreements/agreement_changes.html",
        {
            "agreement": current,
            "previous": before,
            "changes": terms_diff(agreement_terms(before), agreement_terms(current)),
        },
    )


@require_POST
@role_required(Role.THERAPIST)
def agreement_transition(request: HttpRequest, agreement_id: int, action: str) -> HttpResponse:
    agreement = access.access_agreement(viewer=request.membership, agreement_id=agreement_id)
    transition = {
        "propose": (services.agreement_propose, "Sent to the client to accept."),
        "withdraw": (services.agreement_withdraw, "Proposal withdrawn; it's a draft again."),
        "end": (services.agreement_end, "Agreement ended."),
    }.get(action)
    if transition is None:
        raise Http404
    service, done = transition
    try:
        service(agreement=agreement, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("agreement_detail", agreement_id=agreement.pk)


@role_required(Role.THERAPIST)
def crisis_period_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.access_client(viewer=request.membership, client_id=client_id)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = CrisisPeriodForm(
        request.POST or None,
        initial={"starts_at": now, "ends_at": now + timedelta(days=7), "check_in_cadence": "daily"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.crisis_period_start(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Crisis period started. It ends by itself.")
            return redirect("client_detail", client_id=client.pk)
    return render(request, "agreements/crisis_period_form.html", {"form": form, "client": client})


@require_POST
@role_required(Role.THERAPIST)
def crisis_period_end(request: HttpRequest, period_id: int) -> HttpResponse:
    period = access.access_crisis_period(viewer=request.membership, period_id=period_id)
    services.crisis_period_end(period=period, by=request.user)
    messages.success(request, "Crisis period ended.")
    return redirect("client_detail", client_id=period.client_id)


def _safety_plan_page(request: HttpRequest, plan, done_url: str) -> HttpResponse:
    form = SafetyPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        services.safety_plan_update(
            client=plan.client,
            by=request.user,
            sections={field: form.cleaned_data[field] for field in plan.SECTIONS},
        )
        messages.success(request, "Safety plan saved.")
        return redirect(done_url)
    return render(request, "agreements/safety_plan_form.html", {"form": form, "plan": plan})


@role_required(Role.THERAPIST, Role.ADMIN)
def safety_plan_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    """The client's therapist edits it; whoever is paged for the client reads it."""
    if request.method == "POST":
        plan = access.access_safety_plan(viewer=request.membership, client_id=client_id)
        return _safety_plan_page(request, plan, reverse("client_detail", args=[client_id]))
    plan, paged = access.access_safety_plan_to_read(viewer=request.membership, client_id=client_id)
    if paged is None:
        return _safety_plan_page(request, plan, reverse("client_detail", args=[client_id]))
    care_team_read_record(escalation=paged, by=request.user, what="safety plan", client=plan.client)
    return render(request, "agreements/safety_plan_read.html", {"plan": plan, "paged": paged})


# --- client --------------------------------------------------------------------------------


@role_required(Role.CLIENT)
def client_home(request: HttpRequest) -> HttpResponse:
    client = request.membership
    return render(
        request,
        "agreements/client_home.html",
        {
            "agreement": selectors.agreement_current_for_client(client=client),
            "proposed": selectors.agreement_proposed_for_client(client=client),
            "crisis_period": selectors.crisis_period_current(client=client),
        },
    )


@role_required(Role.CLIENT)
def client_agreement(request: HttpRequest) -> HttpResponse:
    client = request.membership
    active = selectors.agreement_current_for_client(client=client)
    proposed = selectors.agreement_proposed_for_client(client=client)
    return render(
        request,
        "agreements/client_agreement.html",
        {
            "active": active,
            "active_terms": agreement_terms(active) if active else None,
            "proposed": proposed,
            "proposed_terms": agreement_terms(proposed) if proposed else None,
            "changes": terms_diff(agreement_terms(active), agreement_terms(proposed))
            if active and proposed
            else None,
            "office_hours": selectors.office_hours_of(therapist=client.therapist),
            "therapist": client.therapist,
            "crisis_period": selectors.crisis_period_current(client=client),
        },
    )


@require_POST
@role_required(Role.CLIENT)
def client_agreement_accept(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = access.access_agreement(viewer=request.membership, agreement_id=agreement_id)
    try:
        services.agreement_accept(agreement=agreement, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Thank you. This is now how we'll stay in touch.")
    return redirect("client_agreement")


@role_required(Role.CLIENT)
def client_safety_plan(request: HttpRequest) -> HttpResponse:
    plan = access.access_safety_plan(viewer=request.membership, client_id=request.membership.pk)
    return _safety_plan_page(request, plan, reverse("client_safety_plan"))


@role_required(Role.CLIENT)
def client_crisis_help(request: HttpRequest) -> HttpResponse:
    plan = access.access_safety_plan(viewer=request.membership, client_id=request.membership.pk)
    agreement = selectors.agreement_current_for_client(client=request.membership)
    return render(
        request, "agreements/client_crisis_help.html", {"plan": plan, "agreement": agreement}
    )
