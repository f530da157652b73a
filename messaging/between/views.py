"""Thin views: answering a check-in, starting and stopping caring messages."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agreements import access as agreement_access
from agreements.models import Channel, Role
from agreements.roles import role_required
from messaging.between import access, selectors, services
from messaging.between.forms import CaringContactsForm, CheckInAnswerForm
from messaging.intake import envelopes
from messaging.intake.normalise import Changes, text_clean
from messaging.models import CaringStopVia, EnvelopeChannel


@require_POST
@role_required(Role.CLIENT)
def client_check_in_answer(request: HttpRequest, check_in_id: int) -> HttpResponse:
    """One tap: the answer is a message through the one intake (a crisis in it escalates)."""
    client = request.membership
    access.access_open_check_in(viewer=client, check_in_id=check_in_id)
    envelope = envelopes.envelope_store_request(
        request, channel=EnvelopeChannel.PORTAL, submitted_by=client
    )
    changes: Changes = []
    form = CheckInAnswerForm(
        {
            name: text_clean(request.POST.get(name, ""), field=name, changes=changes)
            for name in ("score", "words")
        }
    )
    if not form.is_valid():
        envelopes.envelope_refuse(envelope=envelope, reason="invalid_form", changes=changes)
        flash.error(request, "Choose a number from 1 to 5.")
        return redirect("client_home")
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=envelopes.Intake(
            channel=Channel.PORTAL,
            body=services.check_in_answer_body(
                score=int(form.cleaned_data["score"]), words=form.cleaned_data["words"]
            ),
            practice_id=client.practice_id,
            sender_id=client.pk,
        ),
    )
    if received is None:
        return render(
            request,
            "messaging/message_kept.html",
            {"reply": envelopes.kept_reply_text(envelope), "operator": False},
            status=202,
        )
    return redirect("client_message_detail", message_id=received.message.pk)


@role_required(Role.CLIENT)
def client_caring_messages(request: HttpRequest) -> HttpResponse:
    client = request.membership
    plan = selectors.caring_schedule_latest(client=client)
    if request.method == "POST":
        running = selectors.caring_schedule_running(client=client)
        if running is not None:
            services.caring_contacts_stop(plan=running, via=CaringStopVia.PORTAL, by=request.user)
        flash.success(request, "Done: no more caring messages will be sent.")
        return redirect("client_caring_messages")
    return render(request, "between/client_caring.html", {"plan": plan})


def caring_stop_link(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in each caring message: no sign-in, one button (a POST, so a mail
    scanner opening the link stops nothing)."""
    plan = services.caring_schedule_from_token(token) if len(token) < 200 else None
    if plan is None:
        raise Http404
    stopped = False
    if request.method == "POST":
        plan, stopped = services.caring_contacts_stop(plan=plan, via=CaringStopVia.LINK)
    return render(request, "between/caring_stop.html", {"plan": plan, "just_stopped": stopped})


@role_required(Role.THERAPIST)
def caring_contacts_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = agreement_access.access_client(viewer=request.membership, client_id=client_id)
    period, escalation = selectors.caring_offer_sources(client=client)
    form = CaringContactsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.caring_contacts_start(
                client=client,
                by=request.user,
                bodies=form.cleaned_data["messages"],
                after_crisis_period=period,
                after_escalation=escalation,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(request, "Caring messages scheduled for the next year.")
            return redirect("client_detail", client_id=client.pk)
    return render(
        request,
        "between/caring_new.html",
        {
            "client": client,
            "form": form,
            "period": period,
            "escalation": escalation,
            "agreed": selectors.caring_agreed(client=client),
            "running": selectors.caring_schedule_running(client=client),
        },
    )


@require_POST
@role_required(Role.THERAPIST)
def caring_contacts_end(request: HttpRequest, schedule_id: int) -> HttpResponse:
    plan = access.access_caring_schedule(viewer=request.membership, schedule_id=schedule_id)
    services.caring_contacts_stop(plan=plan, via=CaringStopVia.THERAPIST, by=request.user)
    flash.success(request, "Caring messages stopped.")
    return redirect("client_detail", client_id=plan.client_id)
