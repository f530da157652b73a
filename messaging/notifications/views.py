"""Pages for notifications: one's contact methods, one's in-app pages, and the demo outbox.

Twilio's delivery-status callback is in ``webhooks``.
"""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from agreements.models import Role
from agreements.roles import role_required
from messaging.notifications.backends import backend_for, phone_outbox_allowed
from messaging.notifications.forms import BaseContactMethodFormSet, ContactMethodForm
from messaging.notifications.models import (
    ContactMethodKind,
    NotificationStatus,
)
from messaging.notifications.selectors import (
    LOCAL_PROVIDERS,
    contact_methods_for,
    contact_methods_saved,
    in_app_notifications_for,
    outbox_notifications,
)
from messaging.notifications.services import (
    MAX_CONTACT_METHODS,
    contact_methods_replace,
    in_app_notifications_seen,
)

PAGE_SIZE = 50


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
    saved = contact_methods_saved(user)
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
    query = in_app_notifications_for(recipient=request.user, practice=request.membership.practice)
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
    query = outbox_notifications(
        practice=request.membership.practice, local_channels=local_channels
    )
    page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "escalation/outbox.html", {"page": page})
