"""Twilio's delivery-status callback, and the URL Twilio signed (shared with inbound SMS).

A request that fails its signature is refused with 403 and a logged rejection.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from messaging.notifications.backends import status_from_twilio
from messaging.notifications.services import notification_status_update

logger = logging.getLogger("contactpolicy.webhooks")


def twilio_request_url(request: HttpRequest) -> str:
    """The URL Twilio called, which its signature covers (behind a proxy: the configured base)."""
    if settings.TWILIO_WEBHOOK_BASE_URL:
        return settings.TWILIO_WEBHOOK_BASE_URL.rstrip("/") + request.get_full_path()
    return request.build_absolute_uri()


def twilio_signature_rejection(request: HttpRequest, what: str) -> HttpResponse | None:
    """403 with a logged rejection unless Twilio signed this request; None when it did.

    ``what`` names the webhook in the log ("inbound SMS"); the request's content is never logged.
    """
    if not settings.TWILIO_AUTH_TOKEN:
        logger.error("%s rejected: TWILIO_AUTH_TOKEN is not configured", what)
        return HttpResponse(f"{what} webhook not configured", status=403, content_type="text/plain")
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    if not validator.validate(twilio_request_url(request), request.POST.dict(), signature):
        logger.warning(
            "%s rejected: bad signature (remote %s)", what, request.META.get("REMOTE_ADDR")
        )
        return HttpResponse("Invalid signature", status=403, content_type="text/plain")
    return None


#: A call's final status in words, recorded on its notification (a page nobody answered).
_CALL_FAILURES = {
    "busy": "call busy",
    "no-answer": "call not answered",
    "failed": "call failed",
    "canceled": "call canceled",
}


def failure_reason(status: str) -> str:
    return _CALL_FAILURES.get(status.strip().lower(), "")


@csrf_exempt
@require_POST
def twilio_status_callback(request: HttpRequest) -> HttpResponse:
    rejection = twilio_signature_rejection(request, "Twilio status callback")
    if rejection is not None:
        return rejection
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
        reason = failure_reason(status) if request.POST.get("CallStatus") else ""
        notification_status_update(provider_id=sid, status=final, reason=reason)
    return HttpResponse(status=204)
