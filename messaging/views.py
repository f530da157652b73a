"""Thin views for clients, clinicians and the answering-service operator."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agreements import selectors as agreement_selectors
from agreements.forms import add_service_errors
from agreements.models import Channel, Role, SafetyPlan
from agreements.roles import role_required

from . import selectors
from .forms import (
    AssignClientForm,
    CallerSearchForm,
    ComposeForm,
    PhoneMessageForm,
    ReplyForm,
    RetriageForm,
    SessionNoteForm,
    TherapySessionForm,
)
from .models import Direction, Disposition
from .services import inbox as inbox_services
from .services.intake import message_receive

# --- client ----------------------------------------------------------------------------


@role_required(Role.CLIENT)
def client_messages(request: HttpRequest) -> HttpResponse:
    client = request.membership
    thread = list(selectors.thread_for_client(client=client))
    inbox_services.thread_read_by_client(client=client, message_ids=[m.pk for m in thread])
    return render(request, "messaging/client_messages.html", {"thread": thread})


@role_required(Role.CLIENT)
def message_compose(request: HttpRequest) -> HttpResponse:
    client = request.membership
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        received = message_receive(
            practice=client.practice,
            channel=Channel.PORTAL,
            body=form.cleaned_data["body"],
            sender=client,
            declared_purpose=form.cleaned_data["purpose"],
            declared_emergency=form.cleaned_data["emergency"] == "yes",
        )
        return redirect("client_message_detail", message_id=received.message.pk)
    return render(
        request,
        "messaging/compose.html",
        {
            "form": form,
            "agreement": agreement_selectors.agreement_current_for_client(client=client),
        },
    )


@role_required(Role.CLIENT)
def client_message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.access_message(viewer=request.membership, message_id=message_id)
    if message.direction != Direction.INBOUND:
        message = selectors.access_message(
            viewer=request.membership, message_id=message.in_reply_to_id
        )
    replies = list(selectors.replies_for(message))
    inbox_services.thread_read_by_client(
        client=request.membership, message_ids=[message.pk, *[r.pk for r in replies]]
    )
    decision = message.current_decision
    plan = SafetyPlan.objects.filter(client=request.membership).first()
    return render(
        request,
        "messaging/client_message_detail.html",
        {
            "message": message,
            "decision": decision,
            "replies": replies,
            "is_crisis": decision is not None and decision.disposition == Disposition.ESCALATE,
            "plan": plan,
            "agreement": agreement_selectors.agreement_current_for_client(
                client=request.membership
            ),
        },
    )


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
    note = selectors.access_note(viewer=request.membership, note_id=note_id)
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
    note = selectors.access_note(viewer=request.membership, note_id=note_id)
    inbox_services.session_note_share(note=note)
    flash.success(request, "Shared. Your therapist will see it when preparing your session.")
    return redirect("client_notes")


@require_POST
@role_required(Role.CLIENT)
def client_note_delete(request: HttpRequest, note_id: int) -> HttpResponse:
    note = selectors.access_note(viewer=request.membership, note_id=note_id)
    try:
        inbox_services.session_note_delete(note=note)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, "Note deleted.")
    return redirect("client_notes")


# --- therapist -------------------------------------------------------------------------


@role_required(Role.THERAPIST)
def therapist_inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "messaging/inbox.html",
        {
            "inbox": selectors.inbox_for_therapist(therapist=request.membership),
            "now": timezone.now(),
        },
    )


def _message_page(request, message, *, reply_form=None, retriage_form=None, assign_form=None):
    inbox_services.message_body_read(message=message, by=request.user)
    clients = agreement_selectors.client_list_for_practice(practice=request.membership.practice)
    return render(
        request,
        "messaging/message_detail.html",
        {
            "message": message,
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


@role_required(Role.THERAPIST)
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.access_message(viewer=request.membership, message_id=message_id)
    if message.direction != Direction.INBOUND:
        return redirect("message_detail", message_id=message.in_reply_to_id)
    return _message_page(request, message)


@require_POST
@role_required(Role.THERAPIST)
def message_reply(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.access_message(viewer=request.membership, message_id=message_id)
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
    message = selectors.access_message(viewer=request.membership, message_id=message_id)
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
    message = selectors.access_message(viewer=request.membership, message_id=message_id)
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
    client = agreement_selectors.access_client(viewer=request.membership, client_id=client_id)
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
        {"client": client, "held": held, "notes": notes, **prep},
    )


@role_required(Role.THERAPIST)
def session_schedule(request: HttpRequest, client_id: int) -> HttpResponse:
    client = agreement_selectors.access_client(viewer=request.membership, client_id=client_id)
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


# --- answering-service operator --------------------------------------------------------


@role_required(Role.OPERATOR, Role.THERAPIST, Role.ADMIN)
def operator_console(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    search = CallerSearchForm(request.GET or None)
    results = (
        selectors.client_search(practice=practice, query=search.cleaned_data["q"])
        if search.is_valid()
        else []
    )
    caller = None
    caller_id = request.POST.get("caller") or request.GET.get("caller")
    if caller_id and caller_id.isdigit():
        caller = selectors.client_search_by_id(practice=practice, client_id=int(caller_id))
    form = PhoneMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["caller_phone"]
        name = form.cleaned_data["caller_name"]
        received = message_receive(
            practice=practice,
            channel=Channel.PHONE,
            body=form.cleaned_data["body"]
            + (f"\n\n(Caller gave their name as {name}.)" if name and caller is None else ""),
            sender=caller,
            sender_address=phone,
            declared_purpose=form.cleaned_data["purpose"] or None,
            declared_emergency=form.cleaned_data["emergency"] == "yes",
            recorded_by=request.user,
        )
        return render(
            request,
            "messaging/console_done.html",
            {"received": received, "caller": caller},
        )
    return render(
        request,
        "messaging/console.html",
        {"search": search, "results": results, "caller": caller, "form": form},
    )
