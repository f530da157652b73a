"""Writes of the answering service: the call's session, the emergency and the voicemail it
hands to intake, taking a call live (an acknowledgement) and acknowledging a page by phone.

Everything a caller says enters through the one intake path: the request is kept as an
``InboundEnvelope`` first, then ``message_receive`` saves, triages and answers it, exactly as
for an operator's phone message. A live call is taken with the engine's own acknowledgement,
under the escalation's row lock: of two clinicians pressing 1, one wins.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from agreements.models import Channel, Membership, Practice, User
from messaging.escalation.lifecycle import escalation_acknowledge, escalation_advance
from messaging.intake import envelopes
from messaging.intake.normalise import Changes
from messaging.intake.services import Received
from messaging.models import CallSession, CallState, EscalationState, InboundEnvelope, Message
from messaging.voice import callflow

logger = logging.getLogger("contactpolicy.voice")

#: A voicemail waits this long for its transcript; then it is taken as it is (its recording).
TRANSCRIPT_WAIT = timedelta(minutes=5)
#: The body of the message an emergency call declares: there are no words yet, only the key.
EMERGENCY_BODY = "Phone call to the answering service: the caller said it is an emergency."
MAX_EVENTS = 100


def _event(session: CallSession, what: str, now: datetime) -> None:
    session.events = [*session.events, {"at": now.isoformat(), "what": what}][-MAX_EVENTS:]
    session.updated_at = now


def call_session_start(
    *,
    call_sid: str,
    practice: Practice,
    caller_number: str,
    called_number: str,
    client: Membership | None,
    now: datetime | None = None,
) -> CallSession:
    """The call's session, once per CallSid: a repeated webhook finds the first one."""
    now = now or timezone.now()
    existing = CallSession.objects.filter(call_sid=call_sid).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CallSession.objects.create(
                call_sid=call_sid,
                practice=client.practice if client else practice,
                caller_number=caller_number[:32],
                called_number=called_number[:32],
                client=client,
                started_at=now,
                updated_at=now,
                events=[
                    {
                        "at": now.isoformat(),
                        "what": "Call answered; asked whether it is an emergency"
                        + (" (caller recognised as a client)" if client else ""),
                    }
                ],
            )
    except IntegrityError:
        # The same call's webhook raced in twice; the other request made the session.
        return CallSession.objects.get(call_sid=call_sid)


def call_unclear_answer(*, session: CallSession, now: datetime | None = None) -> int:
    """Count an answer that was neither; returns how many there have been."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CallSession.objects.select_for_update().get(pk=session.pk)
        locked.unclear_answers += 1
        _event(locked, "Answer not understood", now)
        locked.save(update_fields=["unclear_answers", "events", "updated_at"])
    return locked.unclear_answers


def emergency_intake(
    *, call_sid: str, caller_number: str, called_number: str, practice_id: int | None
) -> envelopes.Intake:
    """A declared emergency on the phone, as intake takes it: once per call (the CallSid is its
    provider id); the caller recognised by number, else kept for the practice called."""
    return envelopes.Intake(
        channel=Channel.PHONE,
        body=EMERGENCY_BODY,
        practice_id=practice_id,
        identify_by="phone",
        sender_address=caller_number,
        to_address=called_number,
        declared_emergency=True,
        provider_message_id=f"call:{call_sid}",
    )


def call_emergency_declare(
    *,
    session: CallSession,
    envelope: InboundEnvelope,
    changes: Changes = (),
    now: datetime | None = None,
) -> Received | None:
    """The caller said it is an emergency: a declared emergency through intake (channel phone),
    which escalates at once; the session follows the escalation. Once per call: the message's
    provider id is the CallSid, so a repeated request finds the first message.

    Returns None when intake kept the request but could not process it yet (it is retried)."""
    now = now or timezone.now()
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=emergency_intake(
            call_sid=session.call_sid,
            caller_number=session.caller_number,
            called_number=session.called_number,
            practice_id=session.practice_id,
        ),
    )
    if received is None:
        return None
    message = received.message
    escalation = _escalation_of(message)
    with transaction.atomic():
        locked = CallSession.objects.select_for_update().get(pk=session.pk)
        if locked.message_id is None:
            locked.message = message
            locked.escalation = escalation
            locked.state = CallState.CONNECTING
            _event(locked, "Emergency: crisis help read out; connecting to the chain", now)
            locked.save(update_fields=["message", "escalation", "state", "events", "updated_at"])
    session.refresh_from_db()
    return received


def _escalation_of(message: Message):
    from messaging.models import Escalation

    escalation = Escalation.objects.filter(message=message).first()
    if escalation is None and message.joined_escalation_id:
        escalation = message.joined_escalation
    return escalation


def call_engine_step(*, session: CallSession, now: datetime | None = None) -> None:
    """Let the engine run its step if one is due (the step's wait ran out while the call rang):
    the same advance the tick runs, under the same row lock — it is a no-op when the tick got
    there first. The call then rings whoever that step paged."""
    if session.escalation_id is None:
        return
    escalation_advance(escalation_id=session.escalation_id, now=now or timezone.now())


def call_dialled(
    *, session: CallSession, step: str, names: list[str], now: datetime | None = None
) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        locked = CallSession.objects.select_for_update().get(pk=session.pk)
        locked.dialled_step = step[:32]
        _event(locked, "Ringing " + ", ".join(names), now)
        locked.save(update_fields=["dialled_step", "events", "updated_at"])
    session.dialled_step = locked.dialled_step


def call_state_set(
    *, session: CallSession, state: str, what: str, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        locked = CallSession.objects.select_for_update().get(pk=session.pk)
        if locked.state != state or not locked.events or locked.events[-1]["what"] != what:
            locked.state = state
            _event(locked, what, now)
            locked.save(update_fields=["state", "events", "updated_at"])
    session.state = state


def call_take(
    *, session: CallSession, clinician: User, now: datetime | None = None
) -> callflow.Taken:
    """A clinician pressed 1 in the whisper: take the call, which acknowledges the escalation.

    The acknowledgement is the engine's (the row lock): of two clinicians pressing at once one
    wins and is put through; the other hears that a colleague has it. Pressing again is no
    second acknowledgement."""
    now = now or timezone.now()
    if session.escalation_id is None:
        return callflow.Taken.DECLINED
    result = escalation_acknowledge(
        escalation_id=session.escalation_id, by=clinician, via="phone call", now=now
    )
    mine = result.won or result.escalation.acknowledged_by_id == clinician.pk
    if not mine:
        return callflow.Taken.TAKEN_BY_COLLEAGUE
    with transaction.atomic():
        locked = CallSession.objects.select_for_update().get(pk=session.pk)
        if locked.connected_to_id is None:
            locked.connected_to = clinician
            locked.state = CallState.CONNECTED
            _event(locked, f"{clinician} took the call live", now)
            locked.save(update_fields=["connected_to", "state", "events", "updated_at"])
        elif locked.connected_to_id != clinician.pk:
            return callflow.Taken.TAKEN_BY_COLLEAGUE
    return callflow.Taken.TAKEN


def call_recorded(
    *,
    session: CallSession | None,
    envelope: InboundEnvelope,
    recording_sid: str,
    recording_url: str,
    seconds: int | None,
    caller_number: str,
    called_number: str,
    practice: Practice | None,
    changes: Changes = (),
    now: datetime | None = None,
) -> None:
    """The voicemail is recorded. Its request is kept with what the message will say if no
    transcript comes (a clinician listens to the recording); the transcript, when it comes,
    becomes the message instead. The recording stays with the provider: only its reference is
    kept."""
    now = now or timezone.now()
    envelopes.envelope_read(
        envelope=envelope,
        changes=changes,
        process_after=TRANSCRIPT_WAIT,
        intake=voicemail_intake(
            practice_id=session.practice_id if session else (practice.pk if practice else None),
            caller_number=caller_number,
            called_number=called_number,
            recording_sid=recording_sid,
            recording_url=recording_url,
            transcript="",
        ),
    )
    if session is None:
        return
    with transaction.atomic():
        locked = CallSession.objects.select_for_update().get(pk=session.pk)
        if not locked.recording_sid:
            locked.recording_sid = recording_sid[:64]
            locked.recording_url = recording_url[:500]
            locked.recording_seconds = seconds
            locked.voicemail_envelope = envelope
            locked.state = CallState.RECORDED
            _event(locked, "Message recorded; waiting for its transcript", now)
            locked.save(
                update_fields=[
                    "recording_sid",
                    "recording_url",
                    "recording_seconds",
                    "voicemail_envelope",
                    "state",
                    "events",
                    "updated_at",
                ]
            )


def voicemail_intake(
    *,
    practice_id: int | None,
    caller_number: str,
    called_number: str,
    recording_sid: str,
    recording_url: str,
    transcript: str,
    provider_suffix: str = "",
) -> envelopes.Intake:
    reference = f"Recording: {recording_url}" if recording_url else "No recording reference."
    if transcript.strip():
        body = f"Voicemail (transcribed):\n\n{transcript.strip()}\n\n{reference}"
    else:
        body = (
            "Voicemail with no transcript: listen to the recording with the provider.\n\n"
            f"{reference}"
        )
    return envelopes.Intake(
        channel=Channel.PHONE,
        body=body,
        practice_id=practice_id,
        identify_by="phone",
        sender_address=caller_number,
        to_address=called_number,
        provider_message_id=f"voicemail:{recording_sid}{provider_suffix}",
    )


def call_transcribed(
    *,
    session: CallSession | None,
    envelope: InboundEnvelope,
    recording_sid: str,
    recording_url: str,
    transcript: str,
    caller_number: str,
    called_number: str,
    practice: Practice | None,
    changes: Changes = (),
    now: datetime | None = None,
) -> Received | None:
    """The transcript came: it enters intake as the caller's phone message, triaged like any
    other (a crisis in it escalates; the client gets the usual auto-reply by text). A repeated
    callback is the same message. A transcript later than its voicemail (already taken without
    one) is a message of its own, so its words are still read and triaged."""
    now = now or timezone.now()
    practice_id = session.practice_id if session else (practice.pk if practice else None)
    suffix = ""
    already = Message.objects.filter(
        channel=Channel.PHONE, provider_message_id=f"voicemail:{recording_sid}"
    ).first()
    if already is not None and "(transcribed)" not in already.body:
        suffix = ":transcript"
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=voicemail_intake(
            practice_id=practice_id,
            caller_number=caller_number,
            called_number=called_number,
            recording_sid=recording_sid,
            recording_url=recording_url,
            transcript=transcript,
            provider_suffix=suffix,
        ),
    )
    if session is not None and session.voicemail_envelope_id and not suffix:
        # The recording's own request is the same message (same provider id): it is finished.
        envelopes.envelope_process(envelope_id=session.voicemail_envelope_id)
    if session is not None and received is not None:
        call_state_set(
            session=session, state=CallState.RECORDED, what="Transcript taken in as a message"
        )
    return received


#: Twilio's call statuses that mean the call is over (its status callback).
CALL_ENDED_STATUSES = frozenset({"completed", "no-answer", "busy", "canceled"})
#: States in which the call already chose, or already made a message: nothing to add.
_STATES_WITH_A_CHOICE_OR_MESSAGE = frozenset(
    {
        CallState.CONNECTING,
        CallState.CONNECTED,
        CallState.END_OF_CHAIN,
        CallState.CRISIS_LINE,
        CallState.RECORDED,
    }
)


def unfinished_call_intake(
    *,
    call_sid: str,
    caller_number: str,
    called_number: str,
    practice_id: int | None,
    chose_message: bool,
    seconds: int | None,
) -> envelopes.Intake:
    """A call that ended before the caller chose (or before the message they chose), as intake
    takes it: once per call (its provider id is the CallSid), delivered now for a call back."""
    before = "a message was left" if chose_message else "a choice was made"
    length = f"hung up after {seconds} s" if seconds is not None else "hung up; length unknown"
    body = f"Call to the answering service ended before {before} ({length})."
    if caller_number:
        body += f"\nCaller's number: {caller_number}"
    return envelopes.Intake(
        channel=Channel.PHONE,
        body=body,
        practice_id=practice_id,
        identify_by="phone",
        sender_address=caller_number,
        to_address=called_number,
        # Choosing to leave a message answered "is this an emergency?" with no.
        declared_emergency=False if chose_message else None,
        provider_message_id=f"call-ended:{call_sid}",
        unfinished_call=True,
    )


def call_ended(
    *,
    session: CallSession | None,
    envelope: InboundEnvelope,
    call_sid: str,
    caller_number: str,
    called_number: str,
    practice: Practice | None,
    seconds: int | None,
    changes: Changes = (),
    now: datetime | None = None,
) -> Received | None:
    """The call is over. If it made no choice and left no message, it becomes a phone message
    through intake (so nothing is dropped: the therapist can call back); a call that declared
    an emergency, chose the crisis line or left a voicemail is not doubled. Repeated callbacks
    find the first message (same provider id).

    Returns None when nothing was taken in (the envelope says why) or intake will retry."""
    now = now or timezone.now()
    if session is not None:
        has_message = (
            session.state in _STATES_WITH_A_CHOICE_OR_MESSAGE
            or session.message_id is not None
            or bool(session.recording_sid)
            or session.voicemail_envelope_id is not None
        )
    else:
        # A call whose session was never made may still have declared an emergency.
        has_message = Message.objects.filter(
            channel=Channel.PHONE, provider_message_id=f"call:{call_sid}"
        ).exists()
    if has_message:
        envelopes.envelope_refuse(envelope=envelope, reason="call_has_message", changes=changes)
        return None
    if session is None and practice is None:
        envelopes.envelope_refuse(envelope=envelope, reason="unknown_call", changes=changes)
        return None
    if seconds is None and session is not None:
        seconds = max(0, int((now - session.started_at).total_seconds()))
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=unfinished_call_intake(
            call_sid=call_sid,
            caller_number=session.caller_number if session else caller_number,
            called_number=session.called_number if session else called_number,
            practice_id=session.practice_id if session else practice.pk,
            chose_message=session is not None and session.state == CallState.VOICEMAIL,
            seconds=seconds,
        ),
    )
    if session is not None and received is not None and not received.duplicate:
        with transaction.atomic():
            locked = CallSession.objects.select_for_update().get(pk=session.pk)
            _event(locked, "Call ended before a choice or a message; taken in as a message", now)
            locked.save(update_fields=["events", "updated_at"])
    return received


def page_acknowledge_by_voice(
    *, notification, call_sid: str, now: datetime | None = None
) -> callflow.PageAnswer:
    """A clinician pressed 1 on a page call: the same acknowledgement as a link or a code."""
    if notification.provider_id and call_sid and notification.provider_id != call_sid:
        return callflow.PageAnswer.UNKNOWN
    result = escalation_acknowledge(
        escalation_id=notification.escalation_id,
        by=notification.recipient,
        via="voice",
        now=now or timezone.now(),
    )
    if result.won or result.escalation.acknowledged_by_id == notification.recipient_id:
        return callflow.PageAnswer.ACKNOWLEDGED
    if result.escalation.state in (EscalationState.ACKNOWLEDGED, EscalationState.RESOLVED):
        return callflow.PageAnswer.ALREADY
    return callflow.PageAnswer.UNKNOWN
