"""Inbound SMS (Twilio) and email (JSON) webhooks. Both end in ``message_receive``.

A request that fails its signature or secret is refused with 403 and a logged rejection; its
content is never logged. A provider's retry of the same message is answered, not stored twice.
"""

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from agreements.models import Channel
from messaging.escalation.lifecycle import ack_from_sms
from messaging.intake import selectors
from messaging.intake.services import message_receive
from messaging.notifications.webhooks import twilio_signature_rejection

logger = logging.getLogger("contactpolicy.webhooks")

MAX_BODY_CHARS = 20_000


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="application/xml")


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    rejection = twilio_signature_rejection(request, "inbound SMS")
    if rejection is not None:
        return rejection
    sender_phone = request.POST.get("From", "").strip()
    body = request.POST.get("Body", "")[:MAX_BODY_CHARS]
    sid = request.POST.get("MessageSid", "").strip()
    if not sender_phone or not sid:
        return HttpResponse(
            "From and MessageSid are required", status=400, content_type="text/plain"
        )
    acknowledged = ack_from_sms(phone=sender_phone, body=body)
    if acknowledged is not None:
        return _twiml(
            "Acknowledged. Paging has stopped; please contact the client now."
            if acknowledged.won
            else "Already acknowledged by a colleague."
        )
    client = selectors.client_by_phone(sender_phone)
    practice = (
        client.practice
        if client
        else selectors.practice_for_inbound(to_address=request.POST.get("To", ""))
    )
    if practice is None:
        logger.error("inbound SMS %s kept nowhere: no practice exists", sid)
        return HttpResponse("No practice configured", status=503, content_type="text/plain")
    received = message_receive(
        practice=practice,
        channel=Channel.SMS,
        body=body or "(empty message)",
        sender=client,
        sender_address=sender_phone,
        provider_message_id=sid,
    )
    return _twiml(received.auto_reply.body if received.auto_reply else "")


def _json_error(status: int, error: str, **details) -> JsonResponse:
    return JsonResponse({"error": error, **details}, status=status)


@csrf_exempt
@require_POST
def email_inbound(request: HttpRequest) -> HttpResponse:
    secret = request.headers.get("X-Webhook-Secret", "")
    expected = settings.EMAIL_WEBHOOK_SECRET
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        logger.warning(
            "inbound email rejected: %s (remote %s)",
            "webhook secret not configured" if not expected else "bad secret",
            request.META.get("REMOTE_ADDR"),
        )
        return _json_error(403, "forbidden", detail="Missing or wrong X-Webhook-Secret.")
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _json_error(400, "invalid_json", detail="The body must be a JSON object.")
    if not isinstance(payload, dict):
        return _json_error(400, "invalid_json", detail="The body must be a JSON object.")
    fields = {}
    problems = {}
    for name in ("from", "text", "message_id"):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            problems[name] = "Required, a non-empty string."
        else:
            fields[name] = value.strip()
    for name in ("to", "subject"):
        value = payload.get(name, "")
        if not isinstance(value, str):
            problems[name] = "Must be a string."
        else:
            fields[name] = value.strip()
    if problems:
        return _json_error(400, "invalid_fields", fields=problems)
    client = selectors.client_by_email(fields["from"])
    practice = (
        client.practice if client else selectors.practice_for_inbound(to_address=fields["to"])
    )
    if practice is None:
        return _json_error(503, "no_practice", detail="No practice is configured.")
    subject = fields["subject"]
    body = (f"{subject}\n\n" if subject else "") + fields["text"]
    received = message_receive(
        practice=practice,
        channel=Channel.EMAIL,
        body=body[:MAX_BODY_CHARS],
        sender=client,
        sender_address=fields["from"],
        provider_message_id=fields["message_id"][:200],
    )
    decision = received.decision
    return JsonResponse(
        {
            "message": received.message.pk,
            "duplicate": received.duplicate,
            "category": decision.category,
            "disposition": decision.disposition,
            "response_due_at": decision.response_due_at.isoformat()
            if decision.response_due_at
            else None,
        },
        status=200 if received.duplicate else 201,
    )
