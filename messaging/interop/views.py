"""A client's record as a FHIR Bundle, downloaded from the client's page."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agreements.models import Role
from agreements.roles import role_required
from messaging.contactlog.forms import BreakGlassForm
from messaging.interop import access
from messaging.interop.services import client_fhir_export

FHIR_JSON = "application/fhir+json"


def fhir_response(bundle, *, filename: str | None = None) -> HttpResponse:
    body = json.dumps(json.loads(bundle.model_dump_json()), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type=f"{FHIR_JSON}; charset=utf-8")
    response["Cache-Control"] = "no-store"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(Role.THERAPIST, Role.ADMIN)
def client_fhir_export_download(request: HttpRequest, client_id: int) -> HttpResponse:
    """GET: metadata only. POST with a break-glass reason: the message texts as well."""
    client = access.access_client_to_export(viewer=request.membership, client_id=client_id)
    reason = ""
    if request.method == "POST":
        form = BreakGlassForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("client_detail", client_id=client.pk)
        reason = form.cleaned_data["reason"]
    bundle = client_fhir_export(
        viewer=request.membership, by=request.user, client=client, break_glass_reason=reason
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return fhir_response(bundle, filename=f"client-{client.pk}-fhir-{stamp}.json")
