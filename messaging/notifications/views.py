"""Pages for notifications: one's contact methods, one's in-app pages, the demo outbox, and
Twilio's delivery-status callback.
"""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from agreements.models import Role
from agreements.roles import role_required
from messaging.intake.webhooks import twilio_request_url
from messaging.notifications.backends import backend_for, phone_outbox_allowed, status_from_twilio
from messaging.notifications.forms import BaseContactMethodFormSet, ContactMethodForm
from messaging.notifications.models import (
    ContactMethod,
    ContactMethodKind,
    Notification,
    NotificationStatus,
)
from messaging.notifications.selectors import contact_methods_for
from messaging.notifications.services import (
    MAX_CONTACT_METHODS,
    contact_methods_replace,
    in_app_notifications_seen,
    notification_status_update,
)

logger = logging.getLogger("contactpolicy.webhooks")


PAGE_SIZE = 50


LOCAL_PROVIDERS = ("outbox", "in_app")


ContactMethodFormSet = forms.formset_factory(
    ContactMethodForm,
    formset=BaseContactMethodFormSet,
    extra=2,
    can_order=True,
    can_delete=True,
    max_num=MAX_CONTACT_METHODS,
    validate_max=True,
)


@role_required(Role.THERAPIST, Role.ADMIN, Role.OPERATOR)
def contact_methods(request: HttpRequest) -> HttpResponse:
    user = request.user
    saved = list(ContactMethod.objects.filter(user=user).order_by("position", "id"))
    initial = [
        {"kind": m.kind, "address": m.address, "ORDER": position}
        for position, m in enumerate(saved, start=1)
    ]
    formset = ContactMethodFormSet(request.POST or None, initial=initial, prefix="methods")
    if request.method == "POST" and formset.is_valid():
        try:
            contact_methods_replace(user=user, by=user, methods=formset.methods())
        except ValidationError as error:
            for message in error.messages:
                flash.error(request, message)
        else:
            flash.success(request, "Contact methods saved. Pages use them from now on.")
            return redirect("contact_methods")
    return render(
        request,
        "escalation/contact_methods.html",
        {
            "formset": formset,
            "effective": contact_methods_for(user),
            "using_defaults": not saved,
        },
    )


@role_required(Role.THERAPIST, Role.ADMIN, Role.OPERATOR)
def my_notifications(request: HttpRequest) -> HttpResponse:
    query = Notification.objects.filter(
        recipient=request.user,
        practice=request.membership.practice,
        channel=ContactMethodKind.IN_APP,
    ).order_by("-created_at", "-id")
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    # On screen is what "delivered" means in the app; the page still marks them as new.
    in_app_notifications_seen(
        recipient=request.user,
        notification_ids=[n.pk for n in page if n.status == NotificationStatus.SENT],
    )
    return render(request, "escalation/my_notifications.html", {"page": page})


def outbox(request: HttpRequest) -> HttpResponse:
    """Only in embedded/demo or debug mode; otherwise the page does not exist for anyone."""
    if not phone_outbox_allowed():
        raise Http404
    return _outbox(request)


@role_required(Role.THERAPIST, Role.ADMIN)
def _outbox(request: HttpRequest) -> HttpResponse:
    # Sent ones say where they went; waiting ones go wherever their channel goes now.
    local_channels = [
        channel
        for channel in ContactMethodKind.values
        if backend_for(channel).provider in LOCAL_PROVIDERS
    ]
    query = (
        Notification.objects.filter(practice=request.membership.practice)
        .filter(Q(provider__in=LOCAL_PROVIDERS) | Q(provider="", channel__in=local_channels))
        .select_related("recipient")
        .order_by("-created_at", "-id")
    )
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "escalation/outbox.html", {"page": page})


@csrf_exempt
@require_POST
def twilio_status_callback(request: HttpRequest) -> HttpResponse:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.TWILIO_AUTH_TOKEN:
        logger.error("Twilio status callback rejected: TWILIO_AUTH_TOKEN is not configured")
        return HttpResponse("Status webhook not configured", status=403, content_type="text/plain")
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    if not validator.validate(twilio_request_url(request), request.POST.dict(), signature):
        logger.warning(
            "Twilio status callback rejected: bad signature (remote %s)",
            request.META.get("REMOTE_ADDR"),
        )
        return HttpResponse("Invalid signature", status=403, content_type="text/plain")
    sid = (request.POST.get("MessageSid") or request.POST.get("CallSid") or "").strip()
    status = (request.POST.get("MessageStatus") or request.POST.get("CallStatus") or "").strip()
    if not sid or not status:
        return HttpResponse(
            "MessageSid/CallSid and MessageStatus/CallStatus are required",
            status=400,
            content_type="text/plain",
        )
    final = status_from_twilio(status)
    if final is not None:
        notification_status_update(provider_id=sid, status=final)
    return HttpResponse(status=204)
