"""The contact log: review pages with filters, CSV export, and break-glass reading."""

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from agreements.models import Role
from agreements.roles import role_required
from messaging.contactlog import access, selectors
from messaging.contactlog.csv_export import contact_log_csv_lines
from messaging.contactlog.forms import BreakGlassForm, LogFilterForm
from messaging.contactlog.services import log_exported, message_body_break_glass


def _filtered(request: HttpRequest):
    form = LogFilterForm(request.GET or None, viewer=request.membership)
    events = selectors.filtered_events(
        access.visible_events(viewer=request.membership), form.filters()
    )
    return form, events


@role_required(Role.ADMIN, Role.THERAPIST, Role.CLIENT)
def contact_log(request: HttpRequest) -> HttpResponse:
    """Admins: the practice. Therapists: their clients. Clients: their own history."""
    form, events = _filtered(request)
    page = selectors.log_page(events, before=selectors.Cursor.decode(request.GET.get("before", "")))
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "messaging/contact_log.html",
        {
            "form": form,
            "page": page,
            "filter_query": query.urlencode(),
            "is_client": request.membership.role == Role.CLIENT,
            "is_admin": request.membership.role == Role.ADMIN,
        },
    )


@role_required(Role.ADMIN, Role.THERAPIST)
def contact_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, events = _filtered(request)
    log_exported(viewer=request.membership, by=request.user, query=request.GET.urlencode())
    # The rows are written while the response streams, after the middleware has put the
    # viewer's zone away again: name it here.
    lines = contact_log_csv_lines(events, zone=request.membership.zone)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contact-log-{stamp}.csv"'
    response["X-Time-Zone"] = request.membership.time_zone
    return response


@role_required(Role.ADMIN)
def message_metadata(request: HttpRequest, message_id: int) -> HttpResponse:
    """What an admin may see of a message; its body needs a reason, which is logged."""
    message = access.access_message_metadata(viewer=request.membership, message_id=message_id)
    form = BreakGlassForm(request.POST or None)
    body = None
    if request.method == "POST" and form.is_valid():
        message_body_break_glass(
            message=message, by=request.user, reason=form.cleaned_data["reason"]
        )
        body = message.body
    replies = selectors.outbound_reply_count(message)
    return render(
        request,
        "messaging/message_metadata.html",
        {"message": message, "form": form, "body": body, "reply_count": replies},
    )
