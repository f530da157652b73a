"""Play a call to the answering service through its real webhooks, as Twilio would: for the
demo (no phone provider) and for trying a practice's greeting. Prints what is heard on each turn.

    manage.py simulate_call --caller +15550100011 --press 1 --answer-as therapist@demo.test
    manage.py simulate_call --caller +15550100011 --press 2 --say "Can we move Thursday?"

Each request is signed with the configured Twilio auth token; in demo mode, with none set, with
a throwaway one for this command only. The pages the engine sends land in the outbox as usual.
"""

import secrets
from urllib.parse import urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import RequestFactory, override_settings
from django.urls import resolve, reverse
from twilio.request_validator import RequestValidator

from agreements.models import User
from messaging.notifications.backends import phone_outbox_allowed

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = "Play a call to the answering service through its webhooks (demo and testing)."

    def add_arguments(self, parser):
        parser.add_argument("--caller", required=True, help="The number calling, +1…")
        parser.add_argument("--to", default="", help="The practice line called")
        parser.add_argument("--press", choices=["1", "2"], required=True)
        parser.add_argument("--answer-as", default="", help="Email of a clinician who takes it")
        parser.add_argument("--say", default="", help="The voicemail's words (with --press 2)")

    def handle(self, *args, **options):
        token = settings.TWILIO_AUTH_TOKEN
        if not token:
            if not phone_outbox_allowed():
                raise CommandError("TWILIO_AUTH_TOKEN is not set.")
            token = secrets.token_hex(16)
        with override_settings(TWILIO_AUTH_TOKEN=token, TWILIO_WEBHOOK_BASE_URL=""):
            self._call(token, options)

    def _post(self, token: str, url: str, params: dict) -> ElementTree.Element | None:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        absolute = f"http://{HOST}{path}"
        request = RequestFactory().post(
            path,
            params,
            SERVER_NAME=HOST,
            HTTP_X_TWILIO_SIGNATURE=RequestValidator(token).compute_signature(absolute, params),
        )
        response = resolve(parts.path).func(request)
        if response.status_code != 200:
            self.stdout.write(f"  ({path} answered {response.status_code})")
            return None
        root = ElementTree.fromstring(response.content)
        for element in root.iter("Say"):
            self.stdout.write(f"  heard: {element.text}")
        return root

    def _call(self, token: str, options) -> None:
        call = {
            "CallSid": "CA" + secrets.token_hex(16),
            "From": options["caller"],
            "To": options["to"],
            "CallStatus": "in-progress",
        }
        self.stdout.write(f"Call {call['CallSid']} from {call['From']}")
        self._post(token, reverse("voice_incoming"), call)
        self.stdout.write(f"Caller presses {options['press']}")
        root = self._post(token, reverse("voice_choice"), {**call, "Digits": options["press"]})
        if root is None:
            return
        if options["press"] == "2":
            recording = {
                **call,
                "RecordingSid": "RE" + secrets.token_hex(16),
                "RecordingUrl": "https://api.twilio.com/simulated-recording",
                "RecordingDuration": "10",
            }
            self._post(token, reverse("voice_recorded"), recording)
            self._post(
                token,
                reverse("voice_transcription"),
                {
                    **recording,
                    "TranscriptionStatus": "completed",
                    "TranscriptionText": options["say"] or "(the caller said nothing)",
                },
            )
            self.stdout.write("Voicemail left and transcribed: see the inbox and the outbox.")
            return
        redirect = root.find("Redirect")
        root = self._post(token, redirect.text, call) if redirect is not None else None
        numbers = {n.text: n.get("url") for n in root.iter("Number")} if root is not None else {}
        for number in numbers:
            self.stdout.write(f"  ringing {number}")
        if not options["answer_as"]:
            self.stdout.write("Nobody answers yet; the engine keeps paging (see the outbox).")
            return
        user = User.objects.filter(email=options["answer_as"].strip().lower()).first()
        whisper = next(
            (url for url in numbers.values() if user and f"clinician={user.pk}" in url), None
        )
        if whisper is None:
            self.stdout.write(f"{options['answer_as']} is not being rung on this step.")
            return
        leg = {**call, "CallSid": "CA" + secrets.token_hex(16), "ParentCallSid": call["CallSid"]}
        self.stdout.write(f"{user} answers and hears the whisper:")
        root = self._post(token, whisper, leg)
        if root is not None and root.find("Gather") is not None:
            self.stdout.write(f"{user} presses 1")
            self._post(token, root.find("Gather").get("action"), {**leg, "Digits": "1"})
