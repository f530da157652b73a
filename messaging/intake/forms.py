"""The client's compose form and the operator console's forms."""

from django import forms

from messaging.triage.categories import Category
from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS

CALLER_NAME_MAX_CHARS = 150  # a person's name, as on User

EMERGENCY_CHOICES = [("no", "No"), ("yes", "Yes — I need help now")]


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
    """The portal asks the answering-service question first, and the client may say yes."""

    emergency = forms.ChoiceField(
        label="Is this an emergency?",
        choices=EMERGENCY_CHOICES,
        widget=forms.RadioSelect,
        help_text="If you say yes, we show you crisis help at once and reach a clinician now.",
    )
    purpose = forms.ChoiceField(
        label="What is it about?", choices=PURPOSE_CHOICES, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MESSAGE_BODY_MAX_CHARS,
        error_messages={"max_length": BODY_TOO_LONG},
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write your message first.")
        return body


class CallerSearchForm(forms.Form):
    q = forms.CharField(label="Caller's name, phone or email", required=False, max_length=100)


class PhoneMessageForm(forms.Form):
    """What the operator records from a call. The emergency question is asked first."""

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
    )
