"""Forms validate; services write."""

from django import forms

from agreements.forms import DateTimeLocalInput
from agreements.models import Channel

from .models import Disposition
from .triage.categories import Category

EMERGENCY_CHOICES = [("no", "No"), ("yes", "Yes — I need help now")]
PURPOSE_CHOICES = [
    ("logistics", "Scheduling, billing or forms"),
    ("clinical", "Something for my therapist (can wait for the session)"),
    ("urgent", "Urgent — I need my therapist before the next session"),
]


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
        label="Your message", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write your message first.")
        return body


class ReplyForm(forms.Form):
    body = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)


class RetriageForm(forms.Form):
    category = forms.ChoiceField(choices=[(c.value, c.label) for c in Category], label="Category")
    disposition = forms.ChoiceField(choices=Disposition.choices, label="What happens")
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def clean(self):
        cleaned = super().clean()
        category, disposition = cleaned.get("category"), cleaned.get("disposition")
        if category == "crisis" and disposition and disposition != Disposition.ESCALATE:
            self.add_error("disposition", "A crisis is always escalated.")
        if category == "urgent" and disposition == Disposition.HOLD_FOR_SESSION:
            self.add_error("disposition", "Urgent messages are not held for the session.")
        return cleaned


class AssignClientForm(forms.Form):
    client = forms.ModelChoiceField(queryset=None, label="This message is from")

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class SessionNoteForm(forms.Form):
    body = forms.CharField(
        label="Note for my next session",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Only you can see it until you share it.",
    )


class TherapySessionForm(forms.Form):
    starts_at = forms.DateTimeField(label="Session starts", widget=DateTimeLocalInput())
    duration_minutes = forms.IntegerField(label="Minutes", min_value=10, max_value=240, initial=50)


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
    caller_name = forms.CharField(label="Caller's name (if not a known client)", required=False)
    body = forms.CharField(
        label="Message, in the caller's words", widget=forms.Textarea(attrs={"rows": 5})
    )


CHANNEL_LABELS = dict(Channel.choices)
