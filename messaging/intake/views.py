"""Thin views for the portal compose page and the answering-service operator console."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agreements import selectors as agreement_selectors
from agreements.models import Channel, Role
from agreements.roles import role_required
from messaging.intake import selectors
from messaging.intake.forms import CallerSearchForm, ComposeForm, PhoneMessageForm
from messaging.intake.services import message_receive


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
