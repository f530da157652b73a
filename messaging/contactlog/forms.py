"""The contact-log filter form. Dates are read in the viewer's time zone, as the rows show."""

from datetime import datetime, time, timedelta

from django import forms

from agreements.models import Channel, Membership, Purpose
from messaging.contactlog.access import log_filter_people
from messaging.contactlog.selectors import LogFilters
from messaging.models import Disposition, EventType


class LogFilterForm(forms.Form):
    therapist = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    client = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *Purpose.choices], required=False)
    disposition = forms.ChoiceField(
        choices=[("", "Any outcome"), *Disposition.choices], required=False
    )
    event_type = forms.ChoiceField(
        label="Event", choices=[("", "Any event"), *EventType.choices], required=False
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, viewer: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = viewer.zone
        therapists, clients = log_filter_people(viewer=viewer)
        if therapists is None:
            del self.fields["therapist"]
        else:
            self.fields["therapist"].queryset = therapists
            self.fields["therapist"].empty_label = "Any therapist"
        self.fields["client"].queryset = clients
        self.fields["client"].empty_label = "Any client"
        if "therapist" in self.fields:
            self.fields["therapist"].label_from_instance = lambda m: m.user.name
        self.fields["client"].label_from_instance = lambda m: m.user.name

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date is before the start date.")
        return cleaned

    def filters(self) -> LogFilters:
        if not self.is_valid():
            return LogFilters()
        data = self.cleaned_data
        start = datetime.combine(data["start"], time(), tzinfo=self.zone) if data["start"] else None
        end = (
            datetime.combine(data["end"] + timedelta(days=1), time(), tzinfo=self.zone)
            if data["end"]
            else None
        )
        return LogFilters(
            therapist=data.get("therapist"),
            client=data.get("client"),
            channel=data.get("channel") or "",
            category=data.get("category") or "",
            disposition=data.get("disposition") or "",
            event_type=data.get("event_type") or "",
            start=start,
            end=end,
        )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to read this message?",
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the contact log and shown on the oversight dashboard.",
    )
