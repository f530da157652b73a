"""Thin views for the client's thread and notes and the therapist's inbox and message pages."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from agreements import selectors as agreement_selectors
from agreements.access import access_client
from agreements.forms import add_service_errors
from agreements.models import Channel, Role
from agreements.roles import role_required
from messaging.between import chart
from messaging.between import selectors as between_selectors
from messaging.contactlog.services import care_team_read_record
from messaging.escalation.promises import promise_for_message
from messaging.inbox import access, selectors
from messaging.inbox import services as inbox_services
from messaging.inbox.forms import (
    AssignClientForm,
    ReplyForm,
    RetriageForm,
    SessionNoteForm,
    TherapySessionForm,
)
from messaging.intake import raising
from messaging.intake import selectors as intake_selectors
from messaging.models import Direction, Disposition
from messaging.triage.categories import Category


@role_required(Role.CLIENT)
def client_messages(request: HttpRequest) -> HttpResponse:
    client = request.membership
    thread = list(selectors.thread_for_client(client=client))
    inbox_services.thread_read_by_client(client=client, message_ids=[m.pk for m in thread])
    return render(request, "messaging/client_messages.html", {"thread": thread})


@role_required(Role.CLIENT)
def client_message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access.access_message(viewer=request.membership, message_id=message_id)
    if message.direction != Direction.INBOUND:
        message = access.access_message(
            viewer=request.membership, message_id=message.in_reply_to_id
        )
    replies = list(selectors.replies_for(message))
    inbox_services.thread_read_by_client(
        client=request.membership, message_ids=[message.pk, *[r.pk for r in replies]]
    )
    decision = message.current_decision
    plan = agreement_selectors.safety_plan_for_client(client=request.membership)
    return render(
        request,
        "messaging/client_message_detail.html",
        {
            "message": message,
            "decision": decision,
            "replies": replies,
            # Crisis help for a crisis, declared or detected; urgent is never the crisis screen.
            "is_crisis": decision is not None and decision.category == Category.CRISIS,
            "escalated": decision is not None and decision.disposition == Disposition.ESCALATE,
            "promise": promise_for_message(message),
            "can_raise": intake_selectors.message_is_raisable(message),
            "raised": intake_selectors.was_raised(decision),
            "plan": plan,
            "agreement": agreement_selectors.agreement_current_for_client(
                client=request.membership
            ),
        },
    )


@require_POST
@role_required(Role.CLIENT)
def client_message_raise(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "This can't wait": the client raises their own held or delivered message."""
    message = access.access_message(viewer=request.membership, message_id=message_id)
    if message.direction != Direction.INBOUND:
        raise Http404
    try:
        raised = raising.message_raise(message=message, by=request.membership, via=Channel.PORTAL)
    except ValueError:
        flash.error(request, "This message already has an answer or is with the on-call team.")
    else:
        if raised.already:
            flash.info(request, "You've already told us this can't wait.")
    return redirect("client_message_detail", message_id=message.pk)


@role_required(Role.CLIENT)
def client_notes(request: HttpRequest) -> HttpResponse:
    client = request.membership
    form = SessionNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inbox_services.session_note_save(client=client, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, "Note saved. Only you can see it until you share it.")
            return redirect("client_notes")
    return render(
        request,
        "messaging/client_notes.html",
        {"form": form, "notes": selectors.notes_for_client(client=client)},
    )


@role_required(Role.CLIENT)
def client_note_edit(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.access_note(viewer=request.membership, note_id=note_id)
    form = SessionNoteForm(request.POST or None, initial={"body": note.body})
    if request.method == "POST" and form.is_valid():
        try:
            inbox_services.session_note_save(
                client=request.membership, body=form.cleaned_data["body"], note=note
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, "Note saved.")
            return redirect("client_notes")
    return render(request, "messaging/client_note_edit.html", {"form": form, "note": note})


@require_POST
@role_required(Role.CLIENT)
def client_note_share(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.access_note(viewer=request.membership, note_id=note_id)
    inbox_services.session_note_share(note=note)
    flash.success(request, "Shared. Your therapist will see it when preparing your session.")
    return redirect("client_notes")


@require_POST
@role_required(Role.CLIENT)
def client_note_delete(request: HttpRequest, note_id: int) -> HttpResponse:
    note = access.access_note(viewer=request.membership, note_id=note_id)
    try:
        inbox_services.session_note_delete(note=note)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, "Note deleted.")
    return redirect("client_notes")


@role_required(Role.THERAPIST)
def therapist_inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/inbox.html",
        {
            "inbox": selectors.inbox_rows_for_therapist(
                therapist=request.membership, now=timezone.now()
            ),
        },
    )


def _message_page(
    request, message, *, reply_form=None, retriage_form=None, assign_form=None, paged=None
):
    inbox_services.message_body_read(message=message, by=request.user)
    if paged is not None:
        care_team_read_record(escalation=paged, by=request.user, what="message", message=message)
    # Lazy: read only where the page offers matching (never on a paged, read-only view).
    clients = agreement_selectors.client_list_for_practice(practice=request.membership.practice)
    return render(
        request,
        "messaging/message_detail.html",
        {
            "message": message,
            "paged": paged,
            "decisions": selectors.decisions_for(message),
            "replies": selectors.replies_for(message),
            "reply_form": reply_form or ReplyForm(),
            "retriage_form": retriage_form
            or RetriageForm(
                initial={
                    "category": message.current_decision.category,
                    "disposition": message.current_decision.disposition,
                }
                if message.current_decision
                else None
            ),
            "assign_form": assign_form or AssignClientForm(clients=clients),
        },
        status=400 if any(f is not None for f in (reply_form, retriage_form, assign_form)) else 200,
    )


@role_required(Role.THERAPIST, Role.ADMIN)
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message, paged = access.access_message_to_read(viewer=request.membership, message_id=message_id)
    if message.direction != Direction.INBOUND:
        return redirect("message_detail", message_id=message.in_reply_to_id)
    return _message_page(request, message, paged=paged)


@require_POST
@role_required(Role.THERAPIST)
def message_reply(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access.access_message(viewer=request.membership, message_id=message_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            inbox_services.message_reply(
                message=message, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, f"Reply sent on {message.get_channel_display().lower()}.")
            return redirect("therapist_inbox")
    return _message_page(request, message, reply_form=form)


@require_POST
@role_required(Role.THERAPIST)
def message_retriage(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access.access_message(viewer=request.membership, message_id=message_id)
    form = RetriageForm(request.POST)
    if form.is_valid():
        try:
            inbox_services.message_retriage(message=message, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, "Re-triaged. The earlier decision is kept in the history.")
            return redirect("message_detail", message_id=message.pk)
    return _message_page(request, message, retriage_form=form)


@require_POST
@role_required(Role.THERAPIST)
def message_assign(request: HttpRequest, message_id: int) -> HttpResponse:
    message = access.access_message(viewer=request.membership, message_id=message_id)
    form = AssignClientForm(
        request.POST,
        clients=agreement_selectors.client_list_for_practice(practice=request.membership.practice),
    )
    if form.is_valid():
        try:
            inbox_services.message_assign_client(
                message=message, by=request.user, client=form.cleaned_data["client"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, "Message matched to the client.")
            return redirect("message_detail", message_id=message.pk)
    return _message_page(request, message, assign_form=form)


@role_required(Role.THERAPIST)
def session_prep(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(viewer=request.membership, client_id=client_id)
    prep = selectors.session_prep(client=client)
    held, notes = list(prep["held_messages"]), list(prep["shared_notes"])
    if request.method == "POST":
        inbox_services.session_prep_mark_seen(
            client=client,
            by=request.user,
            message_ids=[m.pk for m in held],
            note_ids=[n.pk for n in notes],
        )
        flash.success(request, "Marked as seen for this session.")
        return redirect("session_prep", client_id=client.pk)
    for message in held:
        inbox_services.message_body_read(message=message, by=request.user)
    return render(
        request,
        "messaging/session_prep.html",
        {"client": client, "held": held, "notes": notes, **prep, **_between_prep(client)},
    )


def _between_prep(client) -> dict:
    """The check-in timeline and the contact pattern over the last months."""
    trend = between_selectors.contact_trend(client=client)
    this_week = between_selectors.contact_this_week(client=client)
    return {
        "check_ins": between_selectors.check_in_timeline(client=client),
        "this_week": this_week,
        # Built from numbers and escaped dates only.
        "trend_svg": mark_safe(chart.weeks_svg(trend, limit=this_week["limit"])),
        "trend_text": chart.weeks_text(trend, limit=this_week["limit"]),
    }


@role_required(Role.THERAPIST)
def session_schedule(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client(viewer=request.membership, client_id=client_id)
    form = TherapySessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inbox_services.therapy_session_schedule(
                client=client, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, "Session booked.")
            return redirect("session_schedule", client_id=client.pk)
    return render(
        request,
        "messaging/sessions.html",
        {"client": client, "form": form, "sessions": selectors.upcoming_sessions(client=client)},
    )
