"""Thin views for the portal compose page and the answering-service operator console.

Both keep the request first (``envelopes.envelope_store_request``), then read it. When the
message cannot be processed now the sender still gets crisis help and "we have it".
"""

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agreements import selectors as agreement_selectors
from agreements.models import Channel, Role
from agreements.roles import role_required
from messaging.between import selectors as between_selectors
from messaging.between import services as between_services
from messaging.intake import envelopes, selectors
from messaging.intake.access import access_quarantined_envelope, instance_admin_required
from messaging.intake.forms import (
    HELP_NOW_BODY,
    CallerSearchForm,
    ComposeForm,
    PhoneMessageForm,
    QuarantineAssignForm,
)
from messaging.intake.normalise import Changes, text_clean
from messaging.models import EnvelopeChannel


def _form_data(data: QueryDict, changes: Changes) -> QueryDict:
    """The posted fields with every value normalised (NUL removed, invalid Unicode replaced)."""
    cleaned = QueryDict(mutable=True)
    for name, values in data.lists():
        cleaned.setlist(name, [text_clean(value, field=name, changes=changes) for value in values])
    return cleaned


def _kept(request: HttpRequest, envelope, *, operator: bool) -> HttpResponse:
    return render(
        request,
        "messaging/message_kept.html",
        {"reply": envelopes.kept_reply_text(envelope), "operator": operator},
        status=202,
    )


@role_required(Role.CLIENT)
def message_compose(request: HttpRequest) -> HttpResponse:
    client = request.membership
    form = ComposeForm()
    if request.method == "POST":
        envelope = envelopes.envelope_store_request(
            request, channel=EnvelopeChannel.PORTAL, submitted_by=client
        )
        changes: Changes = []
        form = ComposeForm(_form_data(request.POST, changes))
        if not form.is_valid():
            envelopes.envelope_refuse(envelope=envelope, reason="invalid_form", changes=changes)
        else:
            waiting = _can_this_wait(request, client, form, envelope, changes)
            if waiting is not None:
                return waiting
            received = envelopes.envelope_receive(
                envelope=envelope,
                changes=changes,
                intake=envelopes.Intake(
                    channel=Channel.PORTAL,
                    body=form.cleaned_data["body"],
                    practice_id=client.practice_id,
                    sender_id=client.pk,
                    declared_purpose=form.cleaned_data["purpose"],
                    # Unanswered (words that read as a crisis): nothing declared either way.
                    declared_emergency={"yes": True, "no": False}.get(
                        form.cleaned_data["emergency"]
                    ),
                ),
            )
            if received is None:
                return _kept(request, envelope, operator=False)
            return redirect("client_message_detail", message_id=received.message.pk)
    return render(
        request,
        "messaging/compose.html",
        {
            "form": form,
            "agreement": agreement_selectors.agreement_current_for_client(client=client),
        },
    )


def _can_this_wait(request: HttpRequest, client, form, envelope, changes) -> HttpResponse | None:
    """Offer "Can this wait?" when the agreement turns it on and the draft is neither declared
    nor detected urgent or a crisis; keep it as a note when the client chooses that. None: send
    as usual. It never stops a send: "Send now" (``choice=send``) goes straight through."""
    choice = request.POST.get("choice", "")
    if choice == "send":
        return None
    offer = between_selectors.can_this_wait_offer(
        client=client,
        emergency=form.cleaned_data["emergency"] == "yes",
        purpose=form.cleaned_data["purpose"],
        body=form.cleaned_data["body"],
    )
    if offer is None:
        return None
    if choice == "note":
        between_services.message_keep_as_note(
            client=client, body=form.cleaned_data["body"], envelope=envelope
        )
        envelopes.envelope_refuse(envelope=envelope, reason="kept_as_note", changes=changes)
        flash.success(request, "Kept as a note for your next session. Share it when you're ready.")
        return redirect("client_notes")
    envelopes.envelope_refuse(envelope=envelope, reason="offered_to_wait", changes=changes)
    return render(request, "between/can_this_wait.html", {"form": form, **offer})


@require_POST
@role_required(Role.CLIENT)
def message_help_now(request: HttpRequest) -> HttpResponse:
    """The one-tap "I need help now" on every client page: a declared emergency with no
    typing, through the same store-first path as compose, landing on crisis help."""
    client = request.membership
    envelope = envelopes.envelope_store_request(
        request, channel=EnvelopeChannel.PORTAL, submitted_by=client
    )
    received = envelopes.envelope_receive(
        envelope=envelope,
        intake=envelopes.Intake(
            channel=Channel.PORTAL,
            body=HELP_NOW_BODY,
            practice_id=client.practice_id,
            sender_id=client.pk,
            declared_emergency=True,
        ),
    )
    if received is None:
        return _kept(request, envelope, operator=False)
    return redirect("client_message_detail", message_id=received.message.pk)


@role_required(Role.OPERATOR, Role.THERAPIST, Role.ADMIN)
def operator_console(request: HttpRequest) -> HttpResponse:
    practice = request.membership.practice
    envelope = None
    if request.method == "POST":
        envelope = envelopes.envelope_store_request(
            request, channel=EnvelopeChannel.CONSOLE, submitted_by=request.membership
        )
    changes: Changes = []
    query = _form_data(request.GET, changes)
    search = CallerSearchForm(query or None)
    results = (
        selectors.client_search(practice=practice, query=search.cleaned_data["q"])
        if search.is_valid()
        else []
    )
    caller = None
    posted = _form_data(request.POST, changes) if envelope is not None else None
    caller_id = (posted or query).get("caller") or query.get("caller")
    if caller_id and caller_id.isascii() and caller_id.isdigit() and len(caller_id) < 19:
        caller = selectors.client_search_by_id(practice=practice, client_id=int(caller_id))
    form = PhoneMessageForm(posted)
    if envelope is not None:
        if not form.is_valid():
            envelopes.envelope_refuse(envelope=envelope, reason="invalid_form", changes=changes)
        else:
            phone = form.cleaned_data["caller_phone"]
            name = form.cleaned_data["caller_name"]
            named = f"\n\n(Caller gave their name as {name}.)" if name and caller is None else ""
            received = envelopes.envelope_receive(
                envelope=envelope,
                changes=changes,
                intake=envelopes.Intake(
                    channel=Channel.PHONE,
                    body=form.cleaned_data["body"] + named,
                    practice_id=practice.pk,
                    sender_id=caller.pk if caller else None,
                    sender_address=phone,
                    declared_purpose=form.cleaned_data["purpose"],
                    # Unanswered (words that read as a crisis): nothing declared either way.
                    declared_emergency={"yes": True, "no": False}.get(
                        form.cleaned_data["emergency"]
                    ),
                    recorded_by_id=request.user.pk,
                ),
            )
            if received is None:
                return _kept(request, envelope, operator=True)
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


@instance_admin_required
def quarantine_list(request: HttpRequest) -> HttpResponse:
    """Requests no practice could be told for: metadata only, each with a practice to file it
    under. Their text is read by the practice's clinicians once it is assigned."""
    rows = [
        {
            "envelope": envelope,
            "sender": (envelope.intake or {}).get("sender_address", ""),
            "to": (envelope.intake or {}).get("to_address", ""),
            "form": QuarantineAssignForm(prefix=f"e{envelope.pk}"),
        }
        for envelope in selectors.envelopes_quarantined()[:200]
    ]
    return render(request, "messaging/quarantine.html", {"rows": rows})


@require_POST
@instance_admin_required
def quarantine_assign(request: HttpRequest, envelope_id: int) -> HttpResponse:
    envelope = access_quarantined_envelope(envelope_id=envelope_id)
    form = QuarantineAssignForm(request.POST, prefix=f"e{envelope.pk}")
    if not form.is_valid():
        flash.error(request, "Choose a practice to file the request under.")
        return redirect("quarantine_list")
    practice = form.cleaned_data["practice"]
    if envelopes.envelope_quarantine_assign(
        envelope_id=envelope.pk, practice=practice, by=request.user
    ):
        flash.success(request, f"Request {envelope.pk} filed under {practice.name}.")
    return redirect("quarantine_list")
