"""Forms for replying, re-triaging, matching a sender, notes and scheduling sessions."""

from django import forms

from agreements.forms import DateTimeLocalInput
from agreements.models import Channel
from messaging.models import Disposition
from messaging.triage.categories import Category


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


CHANNEL_LABELS = dict(Channel.choices)
