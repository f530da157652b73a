"""The client's compose form and the operator console's forms."""

from django import forms

from agreements.models import Practice
from messaging.triage import detector
from messaging.triage.categories import Category
from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS

CALLER_NAME_MAX_CHARS = 150  # a person's name, as on User

EMERGENCY_CHOICES = [("no", "No"), ("yes", "Yes — I need help now")]
# What a declared emergency with no words of its own says, so the message is never blank.
NO_TEXT_GIVEN = "(No text: the client answered yes to “Is this an emergency?”.)"
HELP_NOW_BODY = "(Sent with the “I need help now” button; no text.)"


# The triage categories a client may choose, in their words. Crisis is not among them: the
# emergency question asks it first, so that a client can always say yes.
_PURPOSE_LABELS = {
    Category.LOGISTICS: "Scheduling, billing or forms",
    Category.CLINICAL: "Something for my therapist (can wait for the session)",
    Category.URGENT: "Urgent — I need my therapist before the next session",
}
PURPOSE_CHOICES = [(category.value, label) for category, label in _PURPOSE_LABELS.items()]


# Beside a message body over the limit (Django fills in the numbers).
BODY_TOO_LONG = (
    "This message is %(show_value)d characters long; one message can hold at most "
    "%(limit_value)d. Please send the rest in another message."
)


class ComposeForm(forms.Form):
    """The portal asks the answering-service question first, and the client may say yes.

    A yes is never refused (DESIGN.md, invariant 6): the topic and the text are optional then,
    and a topic that isn't one of the choices is ignored. Only a no needs a topic and words.
    Words that read as a crisis are never refused either: if the client left the questions
    unanswered (or chose no topic), the message goes through as written and triage decides
    (``unanswered`` is then true and ``emergency`` empty).
    """

    unanswered = False

    emergency = forms.ChoiceField(
        label="Is this an emergency?",
        choices=EMERGENCY_CHOICES,
        widget=forms.RadioSelect,
        help_text="If you say yes, we show you crisis help at once and reach a clinician now. "
        "You don't need to write anything.",
    )
    purpose = forms.CharField(
        label="What is it about?",
        widget=forms.RadioSelect(choices=PURPOSE_CHOICES),
        required=False,
        max_length=32,  # longer than any choice; anything else is ignored or refused in clean
        help_text="Not needed if this is an emergency.",
    )
    body = forms.CharField(
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MESSAGE_BODY_MAX_CHARS,
        error_messages={"max_length": BODY_TOO_LONG},
        required=False,
        strip=True,
    )

    def clean(self):
        cleaned = super().clean()
        purpose = cleaned.get("purpose") or ""
        body = cleaned.get("body") or ""
        if cleaned.get("emergency") == "yes":
            self.errors.pop("purpose", None)  # an over-long topic is ignored like any other
            cleaned["purpose"] = purpose if purpose in _PURPOSES else ""
            if "body" in self.errors:
                # Too long: an emergency still goes through with what fits (the request keeps
                # the whole text).
                del self.errors["body"]
                body = _first_part(self.data.get("body"))
            cleaned["body"] = body or NO_TEXT_GIVEN
            return cleaned
        unanswered = "emergency" in self.errors or purpose not in _PURPOSES
        if unanswered and body and "body" not in self.errors and _reads_as_crisis(body):
            # Someone in crisis who skipped a question is not sent back to answer it.
            self.errors.pop("emergency", None)
            self.unanswered = True
            cleaned["emergency"] = cleaned.get("emergency", "")
            cleaned["purpose"] = purpose if purpose in _PURPOSES else ""
            return cleaned
        if purpose not in _PURPOSES:
            self.add_error(
                "purpose",
                "Choose what it is about — or, if this is an emergency, answer yes above.",
            )
        if not body and "body" not in self.errors:
            self.add_error("body", "Write your message first.")
        return cleaned


def _reads_as_crisis(body: str) -> bool:
    return detector.detect(body).category is Category.CRISIS


def _first_part(raw) -> str:
    return (raw if isinstance(raw, str) else "").strip()[:MESSAGE_BODY_MAX_CHARS]


_PURPOSES = frozenset(value for value, _ in PURPOSE_CHOICES)


class CallerSearchForm(forms.Form):
    q = forms.CharField(label="Caller's name, phone or email", required=False, max_length=100)


class PhoneMessageForm(forms.Form):
    """What the operator records from a call. The emergency question is asked first; a yes
    needs nothing else (the caller may not be able to say more)."""

    emergency = forms.ChoiceField(
        label="Ask: “Is this an emergency?”",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
    )
    purpose = forms.ChoiceField(
        label="What is it about?",
        choices=[("", "Caller didn't say"), *PURPOSE_CHOICES],
        required=False,
    )
    caller_phone = forms.CharField(label="Caller's number", max_length=32, required=False)
    caller_name = forms.CharField(
        label="Caller's name (if not a known client)",
        max_length=CALLER_NAME_MAX_CHARS,
        required=False,
    )
    body = forms.CharField(
        label="Message, in the caller's words",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MESSAGE_BODY_MAX_CHARS,
        error_messages={"max_length": BODY_TOO_LONG},
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("emergency") == "yes":
            if "body" in self.errors:  # too long: what fits goes through (the request keeps all)
                del self.errors["body"]
                cleaned["body"] = _first_part(self.data.get("body"))
            if "caller_name" in self.errors:
                del self.errors["caller_name"]
                cleaned["caller_name"] = _first_part(self.data.get("caller_name"))[
                    :CALLER_NAME_MAX_CHARS
                ]
            cleaned["body"] = cleaned.get("body") or "(The caller said it is an emergency.)"
            # A topic that isn't one of the choices or an over-long number doesn't stop an
            # emergency: the topic is left out and intake shortens the number it keeps.
            if "purpose" in self.errors:
                del self.errors["purpose"]
                cleaned["purpose"] = ""
            if "caller_phone" in self.errors:
                del self.errors["caller_phone"]
                cleaned["caller_phone"] = self.data.get("caller_phone", "")
        elif "emergency" in cleaned and not cleaned.get("body"):
            self.add_error("body", "Write down what the caller said.")
        return cleaned


class QuarantineAssignForm(forms.Form):
    """An instance administrator files a quarantined request under a practice."""

    practice = forms.ModelChoiceField(
        queryset=Practice.objects.order_by("name"), empty_label=None, label="File under"
    )
