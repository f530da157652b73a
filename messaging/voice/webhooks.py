"""Twilio Voice webhooks: the answering service, one thin view per turn of a call.

Every request must carry Twilio's signature (403 and a logged rejection otherwise). Each view
reads the call's parameters, asks a service to write what happened and ``callflow`` what to
say next, and answers TwiML. Whatever goes wrong, the caller still hears how to get help now
and may leave a message — never an error page: a webhook never answers 5xx.
"""

import functools
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from messaging.intake import envelopes
from messaging.intake.normalise import Changes
from messaging.intake.selectors import client_by_phone
from messaging.models import CallState, EnvelopeChannel
from messaging.notifications.webhooks import twilio_signature_rejection
from messaging.triage import crisis_help
from messaging.triage.crisis_help import EmergencyNumbers
from messaging.voice import callflow, selectors, services

logger = logging.getLogger("contactpolicy.webhooks")


def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="application/xml")


def _base(request: HttpRequest) -> str:
    """The address Twilio reaches us at (the one its signatures cover)."""
    if settings.TWILIO_WEBHOOK_BASE_URL:
        return settings.TWILIO_WEBHOOK_BASE_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def _url(request: HttpRequest, name: str, **query) -> str:
    return _base(request) + reverse(name) + (f"?{urlencode(query)}" if query else "")


def _urls(request: HttpRequest) -> callflow.Urls:
    return callflow.Urls(
        choice=_url(request, "voice_choice"),
        connect=_url(request, "voice_connect"),
        hold=_url(request, "voice_hold"),
        end_choice=_url(request, "voice_end_choice"),
        recorded=_url(request, "voice_recorded"),
        transcription=_url(request, "voice_transcription"),
    )


def _param(request: HttpRequest, name: str, changes: Changes | None = None) -> str:
    return envelopes.text_field(
        request.POST.get(name), field=name, changes=[] if changes is None else changes
    ).strip()


def _query_id(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _numbers(practice) -> EmergencyNumbers | None:
    return EmergencyNumbers.of(practice) if practice is not None else None


def _help_and_message(request: HttpRequest, numbers: EmergencyNumbers | None) -> VoiceResponse:
    """Crisis help, then a message after the tone: the answer whenever a turn cannot be read."""
    response = VoiceResponse()
    callflow.say(
        response,
        callflow.speakable(crisis_help.help_now(numbers))
        if numbers
        else crisis_help.WITHOUT_A_PRACTICE,
    )
    callflow.say(response, "You can leave a message after the tone; a clinician will hear it.")
    response.record(
        action=_url(request, "voice_recorded"),
        method="POST",
        max_length=callflow.VOICEMAIL_MAX_SECONDS,
        finish_on_key="*",
        transcribe=True,
        transcribe_callback=_url(request, "voice_transcription"),
    )
    return response


def voice_webhook(what: str):
    """Signed POSTs only; an unexpected failure is logged and answered with help, not a 500."""

    def decorate(view):
        @csrf_exempt
        @require_POST
        @functools.wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            rejection = twilio_signature_rejection(request, what)
            if rejection is not None:
                return rejection
            try:
                return view(request)
            except Exception:
                logger.exception("%s: failed; the caller was given crisis help", what)
                try:
                    practice = selectors.practice_called(to_number=_param(request, "To"))
                except Exception:  # noqa: BLE001 - the help below needs no practice
                    practice = None
                return _twiml(_help_and_message(request, _numbers(practice)))

        return wrapper

    return decorate


def _session(request: HttpRequest, *, create: bool = False):
    """The call's session by CallSid; with ``create``, started for a call first seen now."""
    call_sid = _param(request, "CallSid")
    session = selectors.call_session_for(call_sid)
    if session is not None or not create or not call_sid:
        return session
    caller = _param(request, "From")
    client = client_by_phone(caller)
    practice = selectors.practice_called(to_number=_param(request, "To"))
    if practice is None and client is None:
        return None
    services.call_session_start(
        call_sid=call_sid,
        practice=practice,
        caller_number=caller,
        called_number=_param(request, "To"),
        client=client,
    )
    return selectors.call_session_for(call_sid)


def _bad_request(text: str) -> HttpResponse:
    return HttpResponse(text, status=400, content_type="text/plain")


@voice_webhook("incoming call")
def voice_incoming(request: HttpRequest) -> HttpResponse:
    if not _param(request, "CallSid"):
        return _bad_request("CallSid is required")
    session = _session(request, create=True)
    if session is None:
        return _twiml(_help_and_message(request, None))
    practice = session.practice
    now = timezone.now()
    words = practice.voice_greeting.strip() or f"Thank you for calling {practice.name}."
    office = selectors.office_for(practice=practice, client=session.client, now=now)
    return _twiml(
        callflow.greeting(practice_words=words, office=office, now=now, urls=_urls(request))
    )


@voice_webhook("call choice")
def voice_choice(request: HttpRequest) -> HttpResponse:
    if not _param(request, "CallSid"):
        return _bad_request("CallSid is required")
    changes: Changes = []
    choice = callflow.choice_of(
        _param(request, "Digits", changes), _param(request, "SpeechResult", changes)
    )
    if choice == callflow.Choice.EMERGENCY:
        return _emergency(request, changes)
    # A choice for a call never greeted (its first request was lost) still counts.
    session = _session(request, create=True)
    if session is None:
        return _twiml(_help_and_message(request, None))
    numbers = EmergencyNumbers.of(session.practice)
    urls = _urls(request)
    if choice == callflow.Choice.UNCLEAR:
        if services.call_unclear_answer(session=session) <= callflow.UNCLEAR_RETRIES:
            return _twiml(callflow.ask_again(urls=urls, numbers=numbers))
        choice = callflow.Choice.MESSAGE
    if choice == callflow.Choice.CRISIS_LINE:
        services.call_state_set(
            session=session, state=CallState.CRISIS_LINE, what="Connected to the crisis line"
        )
        return _twiml(callflow.crisis_line(numbers=numbers, urls=urls))
    return _voicemail(request, session, numbers, urls)


def _emergency(request: HttpRequest, changes: Changes) -> HttpResponse:
    """Kept before anything else can fail, then declared through intake: an emergency said on
    the phone is never lost, even when the call's session cannot be read or made."""
    envelope = envelopes.envelope_store_request(request, channel=EnvelopeChannel.VOICE)
    try:
        session = _session(request, create=True)
    except Exception:
        logger.exception("call choice: no session; the emergency is taken in without one")
        session = None
    if session is None:
        envelopes.envelope_receive(
            envelope=envelope,
            changes=changes,
            intake=services.emergency_intake(
                call_sid=_param(request, "CallSid"),
                caller_number=_param(request, "From"),
                called_number=_param(request, "To"),
                practice_id=None,
            ),
        )
        return _twiml(_help_and_message(request, None))
    numbers = EmergencyNumbers.of(session.practice)
    received = services.call_emergency_declare(session=session, envelope=envelope, changes=changes)
    if received is None or session.escalation_id is None:
        # Kept and retried: the engine will page; the caller has help now and may leave a message.
        return _twiml(_help_and_message(request, numbers))
    return _twiml(callflow.emergency(numbers=numbers, urls=_urls(request)))


def _voicemail(request, session, numbers, urls) -> HttpResponse:
    services.call_state_set(session=session, state=CallState.VOICEMAIL, what="Leaving a message")
    expected = selectors.expectations_for(client=session.client)
    return _twiml(
        callflow.voicemail(
            expectations=callflow.expectations_words(expected), numbers=numbers, urls=urls
        )
    )


@voice_webhook("call connect")
def voice_connect(request: HttpRequest) -> HttpResponse:
    session = _session(request)
    if session is None or session.escalation_id is None:
        return _twiml(
            _help_and_message(request, None if session is None else _numbers(session.practice))
        )
    now = timezone.now()
    services.call_engine_step(session=session, now=now)
    session = selectors.call_session_for(session.call_sid)
    numbers = EmergencyNumbers.of(session.practice)

    def whisper_url(user) -> str:
        return _url(request, "voice_whisper", call=session.call_sid, clinician=user.pk)

    chain = selectors.chain_for(
        session=session, escalation=session.escalation, now=now, whisper_url=whisper_url
    )
    response = callflow.connect(chain=chain, numbers=numbers, urls=_urls(request))
    if callflow.rings(chain):
        names = [clinician.name for clinician in chain.clinicians]
        services.call_dialled(session=session, step=chain.step, names=names)
    elif callflow.chain_over(chain):
        services.call_state_set(
            session=session,
            state=CallState.END_OF_CHAIN,
            what="Nobody took the call; offered the crisis line and a message",
        )
    return _twiml(response)


def _numbers_of_call(request: HttpRequest):
    session = _session(request)
    practice = (
        session.practice
        if session is not None
        else selectors.practice_called(to_number=_param(request, "To"))
    )
    return session, _numbers(practice)


@voice_webhook("call hold")
def voice_hold(request: HttpRequest) -> HttpResponse:
    """A key pressed while holding: 9 is the crisis line; anything else goes on holding."""
    session, numbers = _numbers_of_call(request)
    if callflow.pressed(_param(request, "Digits"), "9") and numbers:
        if session is not None:
            services.call_state_set(
                session=session, state=CallState.CRISIS_LINE, what="Connected to the crisis line"
            )
        return _twiml(callflow.crisis_line(numbers=numbers, urls=_urls(request)))
    response = VoiceResponse()
    response.redirect(_url(request, "voice_connect"), method="POST")
    return _twiml(response)


@voice_webhook("call end of chain")
def voice_end_choice(request: HttpRequest) -> HttpResponse:
    """At the end of the chain: 9 is the crisis line, anything else a message."""
    session, numbers = _numbers_of_call(request)
    if numbers is None:
        return _twiml(_help_and_message(request, None))
    urls = _urls(request)
    if callflow.pressed(_param(request, "Digits"), "9"):
        if session is not None:
            services.call_state_set(
                session=session, state=CallState.CRISIS_LINE, what="Connected to the crisis line"
            )
        return _twiml(callflow.crisis_line(numbers=numbers, urls=urls))
    if session is None:
        return _twiml(_help_and_message(request, numbers))
    return _voicemail(request, session, numbers, urls)


def _whisper_context(request: HttpRequest):
    session = selectors.call_session_for(request.GET.get("call", "")[:64])
    clinician_id = _query_id(request, "clinician")
    if session is None or session.escalation_id is None or clinician_id is None:
        return None, None
    return session, selectors.paged_clinician(session.escalation, clinician_id)


@voice_webhook("call whisper")
def voice_whisper(request: HttpRequest) -> HttpResponse:
    """What the clinician hears on answering, before the caller is put through."""
    session, clinician = _whisper_context(request)
    if session is None or clinician is None:
        response = VoiceResponse()
        response.hangup()
        return _twiml(response)
    caller, for_whom, urgent = selectors.whisper_words(session.escalation)
    answer = _url(request, "voice_whisper_answer", call=session.call_sid, clinician=clinician.pk)
    return _twiml(
        callflow.whisper(caller_name=caller, for_whom=for_whom, urgent=urgent, answer_url=answer)
    )


@voice_webhook("call whisper answer")
def voice_whisper_answer(request: HttpRequest) -> HttpResponse:
    session, clinician = _whisper_context(request)
    if session is None or clinician is None:
        return _twiml(callflow.whisper_answer(callflow.Taken.DECLINED))
    if not callflow.pressed(_param(request, "Digits"), "1"):
        return _twiml(callflow.whisper_answer(callflow.Taken.DECLINED))
    return _twiml(callflow.whisper_answer(services.call_take(session=session, clinician=clinician)))


def _recording_params(request: HttpRequest, changes: Changes) -> dict:
    session = _session(request)
    return {
        "session": session,
        "recording_sid": _param(request, "RecordingSid", changes)[:64],
        "recording_url": _param(request, "RecordingUrl", changes)[:400],
        "caller_number": _param(request, "From", changes)
        or (session.caller_number if session else ""),
        "called_number": _param(request, "To", changes)
        or (session.called_number if session else ""),
        "practice": session.practice
        if session
        else selectors.practice_called(to_number=_param(request, "To")),
    }


@voice_webhook("call recording")
def voice_recorded(request: HttpRequest) -> HttpResponse:
    envelope = envelopes.envelope_store_request(request, channel=EnvelopeChannel.VOICE)
    changes: Changes = []
    params = _recording_params(request, changes)
    numbers = _numbers(params["practice"])
    if not params["recording_sid"]:
        # Nothing was recorded (silence, or a hang-up before the tone).
        envelopes.envelope_refuse(envelope=envelope, reason="no_recording", changes=changes)
        response = VoiceResponse()
        callflow.say(
            response,
            (crisis_help.danger_line(numbers) if numbers else crisis_help.WITHOUT_A_PRACTICE)
            + " Goodbye.",
        )
        response.hangup()
        return _twiml(response)
    duration = _param(request, "RecordingDuration")
    services.call_recorded(
        envelope=envelope,
        seconds=int(duration)
        if duration.isascii() and duration.isdigit() and len(duration) < 9
        else None,
        changes=changes,
        **params,
    )
    if numbers is None:
        return _twiml(_help_and_message(request, None))
    return _twiml(callflow.recorded(numbers=numbers))


@voice_webhook("call transcription")
def voice_transcription(request: HttpRequest) -> HttpResponse:
    envelope = envelopes.envelope_store_request(request, channel=EnvelopeChannel.VOICE)
    changes: Changes = []
    params = _recording_params(request, changes)
    if not params["recording_sid"]:
        envelopes.envelope_refuse(envelope=envelope, reason="missing_fields", changes=changes)
        return _bad_request("RecordingSid is required")
    status = _param(request, "TranscriptionStatus").lower()
    transcript = _param(request, "TranscriptionText", changes) if status != "failed" else ""
    services.call_transcribed(envelope=envelope, transcript=transcript, changes=changes, **params)
    return HttpResponse(status=204)


def _seconds(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 9 else None


@voice_webhook("call status")
def voice_status(request: HttpRequest) -> HttpResponse:
    """Twilio's call status callback: a call that ended with no choice and no message is taken
    in as a phone message, so a clinician can call back."""
    call_sid = _param(request, "CallSid")
    status = _param(request, "CallStatus").lower()
    if not call_sid or not status:
        return _bad_request("CallSid and CallStatus are required")
    if status not in services.CALL_ENDED_STATUSES:
        return HttpResponse(status=204)
    envelope = envelopes.envelope_store_request(request, channel=EnvelopeChannel.VOICE)
    changes: Changes = []
    session = _session(request)
    caller = _param(request, "From", changes)
    called = _param(request, "To", changes)
    services.call_ended(
        session=session,
        envelope=envelope,
        call_sid=call_sid[:64],
        caller_number=caller[:32],
        called_number=called[:32],
        practice=session.practice if session else _practice_of(caller, called),
        seconds=_seconds(_param(request, "CallDuration")),
        changes=changes,
    )
    return HttpResponse(status=204)


def _practice_of(caller: str, called: str):
    """For a call never seen before: the caller's practice, else the practice called."""
    client = client_by_phone(caller)
    return client.practice if client else selectors.practice_called(to_number=called)


@voice_webhook("page call answer")
def voice_page_answer(request: HttpRequest) -> HttpResponse:
    """A clinician pressed a key on a page call: 1 acknowledges it."""
    notification_id = _query_id(request, "notification")
    notification = (
        selectors.notification_for_voice_answer(notification_id) if notification_id else None
    )
    if notification is None:
        return _twiml(callflow.page_answer(callflow.PageAnswer.UNKNOWN))
    if not callflow.pressed(_param(request, "Digits"), "1"):
        response = VoiceResponse()
        callflow.say(response, "Not acknowledged. Goodbye.")
        response.hangup()
        return _twiml(response)
    outcome = services.page_acknowledge_by_voice(
        notification=notification, call_sid=_param(request, "CallSid")
    )
    return _twiml(
        callflow.page_answer(outcome, callback=selectors.callback_number_of(notification))
    )
