"""Signed Twilio Voice requests for the answering-service tests: each turn of a call posted
the way Twilio posts it, signed with its own ``RequestValidator``."""

from datetime import datetime
from urllib.parse import urlencode
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from django.urls import reverse
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "twilio-test-auth-token"
PRACTICE_LINE = "+15550100100"
NEW_YORK = ZoneInfo("America/New_York")
THREE_AM = datetime(2026, 11, 24, 3, 0, tzinfo=NEW_YORK)
CLIENT_PHONE = "+15550102030"
THERAPIST_PHONE = "+15550100001"
ON_CALL_PHONE = "+15550100002"


def signed_post(client, url: str, params: dict, *, token: str = AUTH_TOKEN):
    """POST ``params`` to ``url`` (a path, or an absolute http://testserver URL as TwiML gives
    it, query string included), signed as Twilio signs it."""
    path = url.removeprefix("http://testserver")
    signature = RequestValidator(token).compute_signature("http://testserver" + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def turn(client, name: str, params: dict, **query):
    url = reverse(name) + (f"?{urlencode(query)}" if query else "")
    return signed_post(client, url, params)


def call_params(call_sid: str = "CA" + "1" * 32, caller: str = "+15550102030", **extra) -> dict:
    return {
        "CallSid": call_sid,
        "AccountSid": "AC" + "0" * 32,
        "From": caller,
        "To": PRACTICE_LINE,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        **extra,
    }


def xml(response):
    """A TwiML answer, parsed (and checked to be one)."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    return ElementTree.fromstring(response.content)


def press(client, name, key, call_sid="CA" + "1" * 32, **query):
    """The caller presses ``key`` on the turn ``name``."""
    return turn(client, name, call_params(call_sid, Digits=key), **query)


def leave_voicemail(client, transcript, *, call_sid="CA" + "1" * 32, recording="RE" + "7" * 32):
    """A whole press-2 call: the greeting, 2, the recording and its transcription callback."""
    xml(turn(client, "voice_incoming", call_params(call_sid)))
    xml(press(client, "voice_choice", "2", call_sid=call_sid))
    recording_params = call_params(
        call_sid,
        RecordingSid=recording,
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording}",
        RecordingDuration="14",
    )
    goodbye = xml(turn(client, "voice_recorded", recording_params))
    assert goodbye.find("Hangup") is not None
    response = turn(
        client,
        "voice_transcription",
        {
            **recording_params,
            "TranscriptionSid": "TR" + "8" * 32,
            "TranscriptionStatus": "completed",
            "TranscriptionText": transcript,
        },
    )
    assert response.status_code == 204
    return response
