"""The answering service's rules: what the caller hears at each turn of a call, as TwiML.

Pure: no ORM, no clock, no settings. Webhooks read the state of the call (and ask the
escalation engine who is on its current step), then ask this module what to say and do.

    greeting (office hours, away periods) ── "press 1 or say emergency"
      1: crisis help now ── connect: ring the engine's current step, each phone with a whisper
         ("press 1 to take it"); nobody within the step's wait: the engine's next step; the
         chain over: press 9 for the crisis line, or leave a message
      2: the agreement's reply times ── record ── the transcript, triaged like any message

A declared emergency is never refused, and an unclear answer is asked once more and then taken
as a message, after the crisis help: a voicemail is triaged, so a crisis in it still escalates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from twilio.twiml.voice_response import Gather, VoiceResponse

from messaging.triage import crisis_help
from messaging.triage.crisis_help import EmergencyNumbers

#: Twilio transcribes recordings of at most two minutes.
VOICEMAIL_MAX_SECONDS = 120
#: Twilio rings a <Dial> for at most this long.
DIAL_MAX_SECONDS = 600
#: How long the caller holds between two looks at the engine when nobody can be dialled yet.
HOLD_MIN_SECONDS = 3
HOLD_MAX_SECONDS = 30
#: How often an unclear answer to the emergency question is asked again.
UNCLEAR_RETRIES = 1
#: How long a clinician has to press 1 in the whisper.
WHISPER_SECONDS = 10


class Choice(StrEnum):
    EMERGENCY = "emergency"
    MESSAGE = "message"
    CRISIS_LINE = "crisis_line"
    UNCLEAR = "unclear"


_EMERGENCY_WORDS = re.compile(
    r"\b(emergenc\w*|urgent|help|crisis|yes|one|danger|suicid\w*)\b", re.IGNORECASE
)
_MESSAGE_WORDS = re.compile(r"\b(message|no|two|voicemail|not)\b", re.IGNORECASE)


def choice_of(digits: str, speech: str) -> Choice:
    """What the caller chose: a key, else words. Emergency words win over anything else, so
    "no, it's an emergency" is an emergency; "9" asks for the crisis line."""
    digits = (digits or "").strip()
    if digits:
        key = digits[0]
        if key == "1":
            return Choice.EMERGENCY
        if key == "2":
            return Choice.MESSAGE
        if key == "9":
            return Choice.CRISIS_LINE
        return Choice.UNCLEAR
    speech = speech or ""
    if _EMERGENCY_WORDS.search(speech):
        return Choice.EMERGENCY
    if _MESSAGE_WORDS.search(speech):
        return Choice.MESSAGE
    return Choice.UNCLEAR


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def say(target, text: str) -> None:
    """Say ``text``, without the characters XML cannot carry (a control character in a name or
    a greeting must not make the whole answer invalid TwiML)."""
    target.say(_NOT_XML.sub("", text))


def pressed(digits: str, key: str) -> bool:
    """Whether the first key the caller pressed is ``key``."""
    return (digits or "").strip()[:1] == key


@dataclass(frozen=True)
class Urls:
    """Absolute URLs of the voice webhooks, built by the caller."""

    choice: str
    connect: str
    hold: str
    end_choice: str
    recorded: str
    transcription: str


@dataclass(frozen=True)
class Office:
    """The office as the caller reaches it now: open, or when it opens next; and, when their
    therapist is away, until when and who covers."""

    time_zone: str
    is_open: bool
    opens_at: datetime | None = None
    therapist_name: str = ""
    away_until: datetime | None = None
    cover_name: str = ""


def spoken_time(at: datetime, now: datetime, time_zone: str) -> str:
    """ "today at 9 a.m.", "tomorrow at 1:30 p.m.", "Monday at 9 a.m." (later: with the
    date), in the office's local time — across DST the wall clock, not UTC, is read."""
    zone = ZoneInfo(time_zone)
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local:%M}" if local.minute else f"{hour}"
    clock += " a.m." if local.hour < 12 else " p.m."
    days = (local.date() - today).days
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if 1 < days < 7:
        return f"{local:%A} at {clock}"
    return f"{local:%A} {local.day} {local:%B} at {clock}"


def _sentence(text: str) -> str:
    return text if text.endswith(".") else f"{text}."


def office_words(office: Office, now: datetime) -> str:
    sentences = []
    if office.away_until is not None and office.therapist_name:
        until = spoken_time(office.away_until, now, office.time_zone)
        away = f"{office.therapist_name} is away until {until}"
        if office.cover_name:
            away = f"{_sentence(away)} {office.cover_name} is covering"
        sentences.append(_sentence(away))
    if office.is_open:
        sentences.append("The office is open now.")
    elif office.opens_at is not None:
        opens = spoken_time(office.opens_at, now, office.time_zone)
        sentences.append(_sentence(f"The office is closed now. It opens again {opens}"))
    else:
        sentences.append("The office is closed now.")
    return " ".join(sentences)


QUESTION = (
    "If this is an emergency, press 1 or say emergency. To leave a message, press 2 or say message."
)


def _ask(response: VoiceResponse, urls: Urls, words: str) -> None:
    gather = Gather(
        input="dtmf speech",
        num_digits=1,
        action=urls.choice,
        method="POST",
        timeout=6,
        speech_timeout="auto",
        hints="emergency, message, help",
        action_on_empty_result=True,
    )
    say(gather, words)
    response.append(gather)


def greeting(*, practice_words: str, office: Office, now: datetime, urls: Urls) -> VoiceResponse:
    """The practice's words, the office as it is now, then the emergency question."""
    response = VoiceResponse()
    _ask(response, urls, f"{practice_words.strip()} {office_words(office, now)} {QUESTION}")
    # No answer at all: the question's action runs with nothing chosen (asked again, then a
    # message), so a caller who cannot speak still reaches the triaged voicemail.
    return response


def ask_again(*, urls: Urls, numbers: EmergencyNumbers) -> VoiceResponse:
    response = VoiceResponse()
    _ask(
        response, urls, f"Sorry, I didn't catch that. {crisis_help.danger_line(numbers)} {QUESTION}"
    )
    return response


def emergency(*, numbers: EmergencyNumbers, urls: Urls) -> VoiceResponse:
    """Crisis help at once, then the live connection down the engine's chain."""
    response = VoiceResponse()
    say(
        response,
        f"{speakable(crisis_help.help_now(numbers))} "
        "Please stay on the line: we are connecting you to a clinician now.",
    )
    response.redirect(urls.connect, method="POST")
    return response


@dataclass(frozen=True)
class Clinician:
    """Someone on the engine's current step, and the number their phone rings on."""

    user_id: int
    name: str
    number: str
    whisper_url: str


@dataclass(frozen=True)
class Chain:
    """The escalation as the caller's call sees it.

    ``state``: the engine's state. ``step``: a key for the step the engine is on ("c0:s1").
    ``clinicians``: whom that step paged, with a phone to ring (empty before the first step has
    run or when nobody on it has a phone); once acknowledged (a call joining a crisis someone
    already has), whoever has it. ``seconds_left``: until the engine's next step.
    ``dialled_step``: the step this call last rang. ``taken``: a clinician took this call.
    """

    state: str
    step: str
    clinicians: tuple[Clinician, ...] = ()
    seconds_left: int = 0
    dialled_step: str = ""
    taken: bool = False
    taken_by_name: str = ""


def rings(chain: Chain) -> bool:
    """Ring the step's clinicians: the engine is on a step this call has not rung yet (or,
    once acknowledged, whoever has the crisis, once)."""
    return (
        not chain.taken
        and chain.state in ("active", "acknowledged")
        and bool(chain.clinicians)
        and chain.step != chain.dialled_step
    )


def chain_over(chain: Chain) -> bool:
    """Nothing more to ring for the caller: the chain ran out, or whoever has it was rung."""
    return not chain.taken and chain.state != "active" and not rings(chain)


def connect(*, chain: Chain, numbers: EmergencyNumbers, urls: Urls) -> VoiceResponse:
    """The next thing the emergency call does, from the engine's state."""
    response = VoiceResponse()
    if chain.taken:
        # The clinician and the caller talked; the call is over.
        response.hangup()
        return response
    if rings(chain):
        dial = response.dial(
            action=urls.connect,
            method="POST",
            timeout=max(5, min(chain.seconds_left, DIAL_MAX_SECONDS)),
            answer_on_bridge=True,
        )
        for clinician in chain.clinicians:
            dial.number(clinician.number, url=clinician.whisper_url, method="POST")
        return response
    if chain.state == "active":
        # Rung already, or nobody on this step has a phone: wait for the engine's next step.
        return hold(chain=chain, urls=urls)
    if chain.state == "acknowledged" and chain.taken_by_name:
        words = (
            f"{chain.taken_by_name} has been told and will call you back. "
            f"{crisis_help.danger_line(numbers)} "
        )
        return end_of_chain(numbers=numbers, urls=urls, opening=words)
    return end_of_chain(numbers=numbers, urls=urls)


def hold(*, chain: Chain, urls: Urls) -> VoiceResponse:
    """Nobody to ring on this step yet (or they have been rung): wait for the engine's next
    step, with the crisis line one key away."""
    response = VoiceResponse()
    seconds = max(HOLD_MIN_SECONDS, min(chain.seconds_left, HOLD_MAX_SECONDS))
    gather = Gather(input="dtmf", num_digits=1, action=urls.hold, method="POST", timeout=seconds)
    say(
        gather,
        "We are still trying to reach a clinician for you. Please stay on the line, "
        "or press 9 to be connected to the crisis line now.",
    )
    response.append(gather)
    response.redirect(urls.connect, method="POST")
    return response


def end_of_chain(*, numbers: EmergencyNumbers, urls: Urls, opening: str = "") -> VoiceResponse:
    """Nobody took the call: the crisis line one key away, else a message after the tone."""
    response = VoiceResponse()
    words = (
        opening or "We could not reach a clinician on the phone yet; they are still being paged. "
    )
    line = numbers.crisis_line_number.strip()
    offer = f"To be connected to {line} now, press 9. " if line else ""
    gather = Gather(input="dtmf", num_digits=1, action=urls.end_choice, method="POST", timeout=5)
    say(gather, f"{words}{offer}Or stay on the line to leave a message.")
    response.append(gather)
    _record(response, urls, "Please leave your message after the tone, then hang up.")
    return response


def crisis_line(*, numbers: EmergencyNumbers, urls: Urls) -> VoiceResponse:
    """Connect the caller to the crisis line (988 in the US)."""
    response = VoiceResponse()
    line = numbers.crisis_line_number.strip()
    if not line:
        return end_of_chain(numbers=numbers, urls=urls)
    say(response, f"Connecting you to {line}.")
    response.dial(line)
    return response


def voicemail(
    *, expectations: str, numbers: EmergencyNumbers, urls: Urls, intro: str = ""
) -> VoiceResponse:
    """What happens to a message, in the agreement's words, then the recording."""
    response = VoiceResponse()
    say(
        response,
        " ".join(
            part
            for part in (
                intro,
                expectations,
                crisis_help.danger_line(numbers),
                "Please leave your message after the tone. Press the star key or hang up when "
                "you are done.",
            )
            if part
        ),
    )
    _record(response, urls, "")
    return response


def _record(response: VoiceResponse, urls: Urls, words: str) -> None:
    if words:
        say(response, words)
    response.record(
        action=urls.recorded,
        method="POST",
        max_length=VOICEMAIL_MAX_SECONDS,
        finish_on_key="*",
        play_beep=True,
        transcribe=True,
        transcribe_callback=urls.transcription,
    )
    # Nothing recorded (silence): the action still runs and says goodbye.


def recorded(*, numbers: EmergencyNumbers) -> VoiceResponse:
    response = VoiceResponse()
    say(
        response,
        "Thank you. Your message is kept and a clinician will hear it. "
        f"{crisis_help.danger_line(numbers)} Goodbye.",
    )
    response.hangup()
    return response


def whisper(*, caller_name: str, for_whom: str, urgent: bool, answer_url: str) -> VoiceResponse:
    """What the clinician hears on picking up, before the caller is put through."""
    kind = "Urgent call" if urgent else "Crisis call"
    response = VoiceResponse()
    gather = Gather(
        input="dtmf", num_digits=1, action=answer_url, method="POST", timeout=WHISPER_SECONDS
    )
    say(gather, f"{kind} from {caller_name} for {for_whom}. Press 1 to take it.")
    response.append(gather)
    # Not taken: this phone hangs up and the others keep ringing.
    response.hangup()
    return response


class Taken(StrEnum):
    TAKEN = "taken"
    TAKEN_BY_COLLEAGUE = "taken_by_colleague"
    DECLINED = "declined"


def whisper_answer(outcome: Taken) -> VoiceResponse:
    response = VoiceResponse()
    if outcome == Taken.TAKEN:
        # An empty answer ends the whisper: Twilio puts the caller through.
        say(response, "Connecting you now.")
        return response
    if outcome == Taken.TAKEN_BY_COLLEAGUE:
        say(response, "A colleague has already taken this call.")
    response.hangup()
    return response


_LONG_NUMBER = re.compile(r"\+?\d{4,}")


def speakable(text: str) -> str:
    """Numbers read digit by digit, so a callback number is heard, not "five billion"."""
    return _LONG_NUMBER.sub(lambda m: " ".join(m.group().lstrip("+")), text)


def page_call(*, text: str, ack_url: str | None) -> VoiceResponse:
    """A page to a clinician's phone: who and how urgent, read twice, then press 1."""
    words = speakable(text)
    response = VoiceResponse()
    if ack_url is None:
        # No public address for the answer: read it twice; acknowledging is by text or link.
        say(response, words)
        response.pause(length=1)
        say(response, words)
        return response
    gather = Gather(input="dtmf", num_digits=1, action=ack_url, method="POST", timeout=8)
    say(gather, f"{words} Press 1 to acknowledge.")
    gather.pause(length=1)
    say(gather, f"Again: {words} Press 1 to acknowledge.")
    response.append(gather)
    say(response, "Not acknowledged. You will be paged again if nobody else answers.")
    return response


class PageAnswer(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    ALREADY = "already"
    UNKNOWN = "unknown"


def page_answer(outcome: PageAnswer, *, callback: str = "") -> VoiceResponse:
    response = VoiceResponse()
    if outcome == PageAnswer.ACKNOWLEDGED:
        call = f" Please call them now on {speakable(callback)}." if callback else ""
        say(response, f"Acknowledged. Paging has stopped.{call}")
    elif outcome == PageAnswer.ALREADY:
        say(response, "Already acknowledged by a colleague.")
    else:
        say(response, "This page could not be found. Please open the app.")
    response.hangup()
    return response


@dataclass(frozen=True)
class Expectations:
    """What the agreement promises about messages, for the voicemail greeting."""

    therapist_name: str = ""
    reply_window: str = ""  # "within 1 business day"
    urgent_window: str = ""
    held_for_session: bool = False


def expectations_words(expected: Expectations) -> str:
    who = expected.therapist_name or "The practice"
    sentences = []
    if expected.reply_window:
        sentences.append(f"{who} replies to messages {expected.reply_window}.")
    else:
        sentences.append(f"{who} will listen to your message and get back to you.")
    if expected.urgent_window:
        sentences.append(f"Urgent messages get a reply {expected.urgent_window}.")
    if expected.held_for_session:
        sentences.append("Therapy matters are kept for your next session.")
    return " ".join(sentences)
