"""Forms for the escalation admin pages. Forms validate input; the services write.

Date-times typed on these pages are wall-clock times on the schedule's clock (not the viewer's):
the calendar shows them that way too. A time that doesn't exist or happens twice on that clock
resolves like every other wall time here (just after the gap; the first occurrence).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils.dateparse import parse_datetime

from agreements.forms import DateTimeLocalInput
from agreements.models import TIME_ZONE_CHOICES, Weekday
from messaging.escalation.policies import MAX_REPEAT_COUNT, MAX_WAIT_MINUTES, MIN_WAIT_MINUTES
from messaging.models import StepAction

from ..models import SafetyOutcome
from . import oncall


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.user.name


class WallClockDateTimeField(forms.DateTimeField):
    """A date-time as typed, without a time zone: the form reads it on the schedule's clock."""

    widget = DateTimeLocalInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        # Django's own parsing would read the text in the viewer's zone; skip that step.
        return parsed or BaseTemporalField.to_python(self, value)


# Every text field has a maximum length (tests/contracts/test_form_limits.py); names and
# reasons follow their model fields, these two are model TextFields.
DESCRIPTION_MAX_CHARS = 1000
OUTCOME_NOTE_MAX_CHARS = 4000


class TableRowForm(forms.Form):
    """A formset row shown as a table row: ``row`` lists its cells; each names itself for
    screen readers, since the column heading isn't the input's label."""

    row_fields: tuple[str, ...] = ()

    @property
    def row(self) -> list[forms.BoundField]:
        cells = []
        for name in ("ORDER", *self.row_fields, "DELETE"):
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("aria-label", self.fields[name].label)
                cells.append(self[name])
        return cells


def _on_schedule_clock(value: datetime | None, time_zone: str) -> datetime | None:
    return None if value is None else oncall.wall_time_to_utc(value, time_zone)


# --- policies --------------------------------------------------------------------------------


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=DESCRIPTION_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    repeat_count = forms.IntegerField(
        min_value=1,
        max_value=MAX_REPEAT_COUNT,
        initial=2,
        label="Go through the steps this many times",
        help_text="Then, if nobody has acknowledged, the admins get an incident.",
    )
    on_call_schedule = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="On-call schedule",
        empty_label="The practice's first schedule",
        help_text="Whose rotation “notify whoever is on call” reads.",
    )

    def __init__(self, *args, schedules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_call_schedule"].queryset = schedules


class StepForm(TableRowForm):
    row_fields = ("action", "target", "wait_minutes")

    action = forms.ChoiceField(choices=[("", "—"), *StepAction.choices], label="Step")
    target = MembershipChoiceField(
        queryset=None, required=False, label="Named backup", empty_label="—"
    )
    wait_minutes = forms.IntegerField(
        min_value=MIN_WAIT_MINUTES,
        max_value=MAX_WAIT_MINUTES,
        initial=5,
        label="Then wait (minutes)",
    )

    def __init__(self, *args, backups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = backups

    def clean(self):
        cleaned = super().clean()
        action, target = cleaned.get("action"), cleaned.get("target")
        if action == StepAction.NOTIFY_USER and target is None:
            self.add_error("target", "Choose who to notify.")
        elif action and action != StepAction.NOTIFY_USER and target is not None:
            self.add_error("target", "Only a “named backup” step names a person.")
        return cleaned


class BaseStepFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.steps():
            raise ValidationError("Add at least one step.")

    def steps(self) -> list[tuple[str, object, int]]:
        """(action, named backup or None, wait minutes), in the order the rows ask for."""
        return [
            (f.cleaned_data["action"], f.cleaned_data.get("target"), f.cleaned_data["wait_minutes"])
            for f in self.ordered_forms
        ]


StepFormSet = forms.formset_factory(
    StepForm, formset=BaseStepFormSet, extra=1, can_delete=True, can_order=True
)


# --- schedules -------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=120)
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES, help_text="Handoffs happen on this clock, summer and winter."
    )
    handoff_weekday = forms.TypedChoiceField(
        choices=Weekday.choices, coerce=int, label="Handoff day"
    )
    handoff_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), label="Handoff time"
    )
    rotation_start = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Rotation starts",
        help_text="The first handoff is on this date, or the next handoff day after it.",
    )


class RotationMemberForm(TableRowForm):
    row_fields = ("member",)

    member = MembershipChoiceField(queryset=None, label="Person", empty_label="—")

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = candidates


class BaseRotationFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        ids = self.member_ids()
        if not ids:
            raise ValidationError("Add at least one person to the rotation.")
        if len(set(ids)) != len(ids):
            raise ValidationError("Each person appears once in the rotation.")

    def member_ids(self) -> list[int]:
        """Membership ids in rotation order: the first covers the first week."""
        return [f.cleaned_data["member"].pk for f in self.ordered_forms]


RotationFormSet = forms.formset_factory(
    RotationMemberForm, formset=BaseRotationFormSet, extra=1, can_delete=True, can_order=True
)


class OnCallAtForm(forms.Form):
    """ "Who is on call at T?", with T read on the schedule's clock."""

    at = WallClockDateTimeField(label="Who is on call at")

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean_at(self) -> datetime:
        return _on_schedule_clock(self.cleaned_data["at"], self.time_zone)


class CalendarForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(required=False, min_value=1, max_value=92)


# --- overrides ---------------------------------------------------------------------------


class CoverForm(forms.Form):
    """Someone covers part of the rotation: a shift, a night, a weekend."""

    membership = MembershipChoiceField(queryset=None, label="Who covers", empty_label="—")
    starts_at = WallClockDateTimeField(label="From")
    ends_at = WallClockDateTimeField(label="Until")
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, candidates, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = candidates
        self.time_zone = time_zone

    def clean_starts_at(self) -> datetime | None:
        return _on_schedule_clock(self.cleaned_data.get("starts_at"), self.time_zone)

    def clean_ends_at(self) -> datetime | None:
        return _on_schedule_clock(self.cleaned_data.get("ends_at"), self.time_zone)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned


class SwapForm(forms.Form):
    """Two people trade whole rotation shifts; ``shift_choices`` are (start, label) pairs."""

    first_shift_start = forms.TypedChoiceField(
        choices=(), coerce=datetime.fromisoformat, label="This shift"
    )
    second_shift_start = forms.TypedChoiceField(
        choices=(), coerce=datetime.fromisoformat, label="Trades with"
    )

    def __init__(self, *args, shift_choices: list[tuple[datetime, str]], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [
            (start.astimezone(UTC).isoformat(), label) for start, label in shift_choices
        ]
        for name in ("first_shift_start", "second_shift_start"):
            self.fields[name].choices = choices

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("first_shift_start"), cleaned.get("second_shift_start")
        if first and second and first == second:
            self.add_error("second_shift_start", "Choose two different shifts.")
        return cleaned


class OutcomeForm(forms.Form):
    client_contacted = forms.BooleanField(required=False, label="I have spoken with the client")
    outcome = forms.ChoiceField(choices=SafetyOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=OUTCOME_NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
