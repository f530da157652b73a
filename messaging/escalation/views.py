"""Thin views for escalations (page, list, acknowledge, outcome, the acknowledgement link) and
the practice admin's policy and on-call pages.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib import messages as flash
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agreements import selectors as agreement_selectors
from agreements.forms import add_service_errors
from agreements.models import Role, Weekday
from agreements.roles import role_required
from messaging.contactlog import selectors as contactlog_selectors
from messaging.escalation import (
    access,
    acks,
    health,
    lifecycle,
    machine,
    pages,
    policies,
    promises,
    schedules,
    selectors,
)
from messaging.escalation.access import access_escalation
from messaging.escalation.forms import (
    CalendarForm,
    CoverForm,
    OnCallAtForm,
    OutcomeForm,
    PolicyForm,
    RotationFormSet,
    ScheduleForm,
    StepFormSet,
    SwapForm,
)

from ..models import Escalation, EscalationState, Notification


def _timeline(escalation: Escalation, joined_messages) -> list[dict]:
    events = contactlog_selectors.events_for_escalation_messages(
        [escalation.message_id, *(m.pk for m in joined_messages)]
    )
    return [
        {"at": e.occurred_at, "what": e.get_event_type_display(), "detail": e.summary}
        for e in events
    ]


def _care_team(escalation: Escalation) -> dict:
    """What the links to the client need: the callback number, the active agreement and the
    later crisis messages that joined the escalation."""
    return {
        "callback": pages.callback_number(escalation),
        "active_agreement_id": agreement_selectors.agreement_active_id(client=escalation.client),
        "joined_messages": selectors.escalation_joined_messages(escalation),
    }


@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_detail(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(viewer=request.membership, escalation_id=escalation_id)
    snapshot = machine.PolicySnapshot.from_json(escalation.policy_snapshot)
    care_team = _care_team(escalation)
    return render(
        request,
        "escalation/escalation_detail.html",
        {
            **care_team,
            "escalation": escalation,
            "chain": machine.describe(snapshot),
            "notifications": selectors.escalation_notifications(escalation),
            "timeline": _timeline(escalation, care_team["joined_messages"]),
            "outcome_form": OutcomeForm(),
            "is_open": escalation.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED),
            "urgent": promises.is_urgent(escalation),
        },
    )


@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_list(request: HttpRequest) -> HttpResponse:
    visible = access.visible_escalations(viewer=request.membership)
    return render(
        request,
        "escalation/escalation_list.html",
        {"escalations": selectors.escalations_recent(visible), "health": health.engine_health()},
    )


@require_POST
@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(viewer=request.membership, escalation_id=escalation_id)
    result = lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=request.user, via="in_app"
    )
    if result.won:
        flash.success(request, "Acknowledged. Paging has stopped; please contact the client now.")
    else:
        flash.info(request, "This escalation was already acknowledged.")
    return redirect("escalation:detail", escalation_id=escalation.pk)


@require_POST
@role_required(Role.THERAPIST, Role.ADMIN)
def escalation_outcome(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(viewer=request.membership, escalation_id=escalation_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.escalation_record_outcome(
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
            return redirect("escalation:detail", escalation_id=escalation.pk)
    snapshot = machine.PolicySnapshot.from_json(escalation.policy_snapshot)
    care_team = _care_team(escalation)
    return render(
        request,
        "escalation/escalation_detail.html",
        {
            **care_team,
            "escalation": escalation,
            "chain": machine.describe(snapshot),
            "notifications": selectors.escalation_notifications(escalation),
            "timeline": _timeline(escalation, care_team["joined_messages"]),
            "outcome_form": form,
            "is_open": escalation.state in (EscalationState.ACTIVE, EscalationState.EXHAUSTED),
            "urgent": promises.is_urgent(escalation),
        },
        status=400,
    )


def escalation_ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a page. GET shows one button (link previews must not acknowledge); POST acks.

    The signed token stands for the paged clinician, so it works without signing in; it expires
    after a day and, once the escalation is acknowledged, acknowledges nothing more.
    """
    try:
        notification = acks.ack_from_token(token)
    except (signing.BadSignature, Notification.DoesNotExist):
        return render(request, "escalation/ack_invalid.html", status=410)
    if request.membership is None and notification.recipient is not None:
        # Opened without signing in: the times are the paged person's, not the server's UTC.
        zone = agreement_selectors.time_zone_of(notification.recipient)
        if zone is not None:
            timezone.activate(zone)
    escalation = notification.escalation
    if request.method == "POST":
        result = lifecycle.escalation_acknowledge(
            escalation_id=escalation.pk, by=notification.recipient, via="link"
        )
        escalation = result.escalation
        return render(
            request,
            "escalation/ack_done.html",
            {**_care_team(escalation), "escalation": escalation, "won": result.won},
        )
    return render(
        request,
        "escalation/ack_confirm.html",
        {
            "escalation": escalation,
            "notification": notification,
            "urgent": promises.is_urgent(escalation),
        },
    )


CALENDAR_DAYS = 28


def _with_extra_row(data: QueryDict, prefix: str) -> QueryDict:
    """The posted data with one more (blank) row in the ``prefix`` formset."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    data[key] = str(int(data.get(key) or 0) + 1)
    return data


@role_required(Role.ADMIN)
def policy_list(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    return render(
        request,
        "escalation/policy_list.html",
        {"policies": selectors.policies_for_practice(practice=practice)},
    )


def _policy_page(request: HttpRequest, policy=None) -> HttpResponse:
    practice = request.membership.practice
    schedules = selectors.schedule_choices(practice=practice)
    backups = selectors.backup_candidates(practice=practice)
    saved_steps = selectors.policy_steps(policy) if policy else []
    uses_default_steps = not saved_steps
    initial_steps = saved_steps or selectors.default_steps()
    adding_row = request.method == "POST" and "add_step" in request.POST
    data = None
    if request.method == "POST":
        data = _with_extra_row(request.POST, "steps") if adding_row else request.POST
    form = PolicyForm(
        data,
        schedules=schedules,
        initial={
            "name": policy.name,
            "description": policy.description,
            "repeat_count": policy.repeat_count,
            "on_call_schedule": policy.on_call_schedule,
        }
        if policy
        else {
            "repeat_count": 2,
            "on_call_schedule": selectors.schedule_default_choice(practice=practice),
        },
    )
    formset = StepFormSet(
        data,
        prefix="steps",
        initial=[
            {"action": action, "target": target, "wait_minutes": wait}
            for action, target, wait in initial_steps
        ],
        form_kwargs={"backups": backups},
    )
    preview = selectors.policy_preview(
        steps=initial_steps,
        repeat_count=policy.repeat_count if policy else 2,
        on_call_schedule=policy.on_call_schedule if policy else None,
    )
    if request.method == "POST" and not adding_row and form.is_valid() and formset.is_valid():
        fields = {
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data["description"],
            "repeat_count": form.cleaned_data["repeat_count"],
            "on_call_schedule": form.cleaned_data["on_call_schedule"],
            "steps": formset.steps(),
        }
        if "preview" in request.POST:
            preview = selectors.policy_preview(
                steps=fields["steps"],
                repeat_count=fields["repeat_count"],
                on_call_schedule=fields["on_call_schedule"],
            )
            uses_default_steps = False
        else:
            try:
                if policy is None:
                    policy = policies.policy_create(practice=practice, by=request.user, **fields)
                else:
                    policy = policies.policy_update(policy=policy, by=request.user, **fields)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, "Policy saved. Escalations already running keep their old steps."
                )
                return redirect("escalation:policy_edit", policy_id=policy.pk)
    return render(
        request,
        "escalation/policy_form.html",
        {
            "policy": policy,
            "form": form,
            "formset": formset,
            "preview": preview,
            "uses_default_steps": uses_default_steps and policy is not None,
        },
    )


@role_required(Role.ADMIN)
def policy_new(request: HttpRequest) -> HttpResponse:
    return _policy_page(request)


@role_required(Role.ADMIN)
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = access.access_policy(viewer=request.membership, policy_id=policy_id)
    return _policy_page(request, policy)


@require_POST
@role_required(Role.ADMIN)
def policy_make_default(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = access.access_policy(viewer=request.membership, policy_id=policy_id)
    policy = policies.policy_set_default(policy=policy, by=request.user)
    messages.success(request, f"“{policy.name}” is now the practice's default policy.")
    return redirect("escalation:policy_list")


@role_required(Role.ADMIN)
def schedule_list(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    return render(
        request,
        "escalation/schedule_list.html",
        {"schedules": selectors.schedules_for_practice(practice=practice)},
    )


def _schedule_page(request: HttpRequest, schedule=None) -> HttpResponse:
    practice = request.membership.practice
    candidates = selectors.on_call_candidates(practice=practice)
    adding_row = request.method == "POST" and "add_member" in request.POST
    data = None
    if request.method == "POST":
        data = _with_extra_row(request.POST, "members") if adding_row else request.POST
    if schedule is None:
        initial = {
            "time_zone": practice.time_zone,
            "handoff_weekday": Weekday.MONDAY,
            "handoff_time": time(9),
            "rotation_start": timezone.now().astimezone(ZoneInfo(practice.time_zone)).date(),
        }
        members = []
    else:
        initial = {
            "name": schedule.name,
            "time_zone": schedule.time_zone,
            "handoff_weekday": schedule.handoff_weekday,
            "handoff_time": schedule.handoff_time,
            "rotation_start": schedule.rotation_start,
        }
        members = [m.membership for m in selectors.schedule_members(schedule=schedule)]
    form = ScheduleForm(data, initial=initial)
    formset = RotationFormSet(
        data,
        prefix="members",
        initial=[{"member": member} for member in members],
        form_kwargs={"candidates": candidates},
    )
    if request.method == "POST" and not adding_row and form.is_valid() and formset.is_valid():
        fields = {**form.cleaned_data, "member_ids": formset.member_ids()}
        try:
            if schedule is None:
                schedule = schedules.schedule_create(practice=practice, by=request.user, **fields)
            else:
                schedule = schedules.schedule_update(schedule=schedule, by=request.user, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Schedule saved. Pages from now on follow it.")
            return redirect("escalation:schedule_edit", schedule_id=schedule.pk)

    lookup = None
    if schedule is not None and "at" in request.GET:
        at_form = OnCallAtForm(request.GET, time_zone=schedule.time_zone)
        if at_form.is_valid():
            at = at_form.cleaned_data["at"]
            lookup = {"at": at, "member": selectors.on_call_now(schedule=schedule, at=at)}
    elif schedule is not None:
        at_form = OnCallAtForm(time_zone=schedule.time_zone)
    else:
        at_form = None
    return render(
        request,
        "escalation/schedule_form.html",
        {
            "schedule": schedule,
            "form": form,
            "formset": formset,
            "at_form": at_form,
            "lookup": lookup,
            "on_call_now": selectors.on_call_now(schedule=schedule) if schedule else None,
            "has_candidates": selectors.has_on_call_candidates(practice=practice),
        },
    )


@role_required(Role.ADMIN)
def schedule_new(request: HttpRequest) -> HttpResponse:
    return _schedule_page(request)


@role_required(Role.ADMIN)
def schedule_edit(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = access.access_schedule(viewer=request.membership, schedule_id=schedule_id)
    return _schedule_page(request, schedule)


@role_required(Role.ADMIN)
def schedule_calendar(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = access.access_schedule(viewer=request.membership, schedule_id=schedule_id)
    start, days = selectors.local_today(schedule=schedule), CALENDAR_DAYS
    form = CalendarForm(request.GET or None, initial={"start": start, "days": days})
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"] or start
        days = form.cleaned_data["days"] or days
    rows = selectors.on_call_calendar(schedule=schedule, start=start, days=days)
    return render(
        request,
        "escalation/schedule_calendar.html",
        {
            "schedule": schedule,
            "form": form,
            "rows": rows,
            "start": start,
            "days": days,
            "previous_start": start - timedelta(days=days),
            "next_start": start + timedelta(days=days),
        },
    )


def _shift_choices(schedule) -> list[tuple[datetime, str]]:
    zone = ZoneInfo(schedule.time_zone)
    return [
        (
            choice.shift.starts_at,
            f"{choice.shift.starts_at.astimezone(zone):%a %d %b %H:%M} – "
            f"{choice.shift.ends_at.astimezone(zone):%a %d %b %H:%M} · {choice.member.user.name}",
        )
        for choice in selectors.upcoming_rotation_shifts(schedule=schedule)
    ]


@role_required(Role.ADMIN)
def schedule_overrides(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = access.access_schedule(viewer=request.membership, schedule_id=schedule_id)
    candidates = selectors.on_call_candidates(practice=schedule.practice)
    swapping = request.method == "POST" and "swap" in request.POST
    covering = request.method == "POST" and not swapping
    cover_form = CoverForm(
        request.POST if covering else None,
        prefix="cover",
        candidates=candidates,
        time_zone=schedule.time_zone,
    )
    swap_form = SwapForm(
        request.POST if swapping else None,
        prefix="swap",
        shift_choices=_shift_choices(schedule),
    )
    if covering and cover_form.is_valid():
        try:
            schedules.override_add(schedule=schedule, by=request.user, **cover_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(cover_form, error)
        else:
            messages.success(request, "Cover saved.")
            return redirect("escalation:schedule_overrides", schedule_id=schedule.pk)
    if swapping and swap_form.is_valid():
        try:
            schedules.override_swap(schedule=schedule, by=request.user, **swap_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(swap_form, error)
        else:
            messages.success(request, "Shifts swapped.")
            return redirect("escalation:schedule_overrides", schedule_id=schedule.pk)
    return render(
        request,
        "escalation/schedule_overrides.html",
        {
            "schedule": schedule,
            "cover_form": cover_form,
            "swap_form": swap_form,
            "overrides": selectors.overrides_upcoming(schedule=schedule),
        },
    )


@require_POST
@role_required(Role.ADMIN)
def override_delete(request: HttpRequest, override_id: int) -> HttpResponse:
    override = access.access_override(viewer=request.membership, override_id=override_id)
    schedule_id = override.schedule_id
    try:
        schedules.override_remove(override=override, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Cover removed; the rotation applies again.")
    return redirect("escalation:schedule_overrides", schedule_id=schedule_id)
