"""Forms validate; services write. Every form shows its errors beside the fields."""

import copy
from itertools import pairwise

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UsernameField,
)
from django.core.exceptions import ValidationError
from django.db import models

from .models import (
    TIME_ZONE_CHOICES,
    Channel,
    ContactAgreement,
    CrisisPeriod,
    Practice,
    Purpose,
    Role,
    SafetyPlan,
    Weekday,
    WindowUnit,
)
from .services import (
    AGREEMENT_TERM_FIELDS,
    CHANNEL_RULE_FIELDS,
    PRACTICE_PHONE_FIELDS,
    PRACTICE_SETTING_FIELDS,
    WindowTerms,
    practice_phone_clean,
)

# Every text field has a maximum length (tests/contracts/test_form_limits.py). Names, phones
# and addresses follow their model fields; these are for the rest.
EMAIL_MAX_CHARS = 254  # the User and Practice email fields
PASSWORD_MAX_CHARS = 256
TEXT_MAX_CHARS = 4000  # instructions, notes and the safety plan's sections


def text_limited_formfield(db_field, **kwargs):
    """A ModelForm's ``formfield_callback``: a model ``TextField`` (no length of its own) is
    given ``TEXT_MAX_CHARS``."""
    if isinstance(db_field, models.TextField) and db_field.max_length is None:
        kwargs.setdefault("max_length", TEXT_MAX_CHARS)
    return db_field.formfield(**kwargs)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class StaffInvitationForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=EMAIL_MAX_CHARS)
    role = forms.ChoiceField(
        choices=[
            (Role.THERAPIST.value, Role.THERAPIST.label),
            (Role.ADMIN.value, Role.ADMIN.label),
            (Role.OPERATOR.value, Role.OPERATOR.label),
        ]
    )
    on_call_eligible = forms.BooleanField(
        required=False, label="Can be on call (answering-service escalation)"
    )


def _with_max_length(field: forms.CharField, max_length: int) -> forms.CharField:
    """One of Django's own password fields (same label, help and widget), with a maximum."""
    return forms.CharField(
        label=field.label,
        required=field.required,
        strip=False,
        help_text=field.help_text,
        widget=copy.deepcopy(field.widget),
        max_length=max_length,
    )


# Django's sign-in and password forms (served by contactpolicy/urls.py), each password field
# with a maximum length.
class SignInForm(AuthenticationForm):
    # Django gives the username a maximum only on the page, not in validation.
    username = UsernameField(
        max_length=EMAIL_MAX_CHARS, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = _with_max_length(AuthenticationForm.base_fields["password"], PASSWORD_MAX_CHARS)


class NewPasswordForm(SetPasswordForm):
    new_password1 = _with_max_length(
        SetPasswordForm.base_fields["new_password1"], PASSWORD_MAX_CHARS
    )
    new_password2 = _with_max_length(
        SetPasswordForm.base_fields["new_password2"], PASSWORD_MAX_CHARS
    )


class ChangePasswordForm(PasswordChangeForm):
    old_password = _with_max_length(
        PasswordChangeForm.base_fields["old_password"], PASSWORD_MAX_CHARS
    )
    new_password1 = NewPasswordForm.base_fields["new_password1"]
    new_password2 = NewPasswordForm.base_fields["new_password2"]


class ClientInvitationForm(forms.Form):
    name = forms.CharField(max_length=150, label="Client's name")
    email = forms.EmailField(label="Client's email", max_length=EMAIL_MAX_CHARS)


class InvitationAcceptForm(forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    password1 = forms.CharField(
        label="Choose a password",
        max_length=PASSWORD_MAX_CHARS,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Type it again",
        max_length=PASSWORD_MAX_CHARS,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords don't match.")
        elif first:
            from .models import User

            try:
                password_validation.validate_password(
                    first, User(email=self.email, name=cleaned.get("name", ""))
                )
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PracticeSettingsForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = list(PRACTICE_SETTING_FIELDS)
        labels = {
            "emergency_number": "Emergency services number",
            "crisis_text": "Crisis text line",
        }
        widgets = {field: forms.TextInput(attrs={"type": "tel"}) for field in PRACTICE_PHONE_FIELDS}

    def clean(self):
        cleaned = super().clean()
        for field in PRACTICE_PHONE_FIELDS:
            if field in cleaned:
                try:
                    cleaned[field] = practice_phone_clean(cleaned[field])
                except ValidationError as error:
                    self.add_error(field, error)
        return cleaned


class AgreementTermsForm(forms.ModelForm):
    class Meta:
        model = ContactAgreement
        fields = list(AGREEMENT_TERM_FIELDS)
        formfield_callback = text_limited_formfield
        widgets = {
            "review_due": forms.DateInput(attrs={"type": "date"}),
            "check_in_local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "crisis_instructions": forms.Textarea(attrs={"rows": 3}),
            "note_to_client": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "frequency_limit_per_week": "Messages per week that are fine",
            "hold_clinical_for_session": "Keep therapy content for the next session",
            "crisis_instructions": "In a crisis, the client should…",
            "escalation_policy": "Crisis escalation policy",
            "review_due": "Review this agreement by",
            "check_ins_enabled": "Check in during crisis periods",
            "check_in_local_time": "Check-in time (client's time zone)",
            "check_in_channel": "Check-ins by",
            "check_in_answer_hours": "Flag a check-in as missed after (hours)",
            "missed_check_in_pages": "A missed check-in pages me",
            "caring_contacts_enabled": "Caring messages after a crisis",
            "caring_contacts_channel": "Caring messages by",
            "can_this_wait": "Offer “Can this wait?” before non-urgent messages",
        }

    #: How the between-session terms work; left empty, each keeps the draft's current value.
    KEEP_IF_EMPTY = (
        "check_in_local_time",
        "check_in_channel",
        "check_in_answer_hours",
        "caring_contacts_channel",
    )

    def __init__(self, *args, policies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["escalation_policy"].queryset = policies
        self.fields["escalation_policy"].required = True
        self.fields["escalation_policy"].empty_label = None
        for name in self.KEEP_IF_EMPTY:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.KEEP_IF_EMPTY:
            if name not in self.errors and cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class ChannelRuleForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Used")
    allow_logistics = forms.BooleanField(required=False, label="Scheduling and admin")
    allow_clinical = forms.BooleanField(required=False, label="Therapy content")
    allow_urgent = forms.BooleanField(required=False, label="Urgent")
    allow_crisis = forms.BooleanField(required=False, label="Crisis")
    after_hours_allowed = forms.BooleanField(required=False, label="After hours")

    def __init__(self, *args, channel: Channel, **kwargs):
        super().__init__(*args, prefix=f"channel-{channel.value}", **kwargs)
        self.channel = channel

    def clean(self):
        cleaned = super().clean()
        purposes = [cleaned.get(f"allow_{p.value}") for p in Purpose]
        if cleaned.get("enabled") and not any(purposes):
            raise ValidationError(
                f"{self.channel.label}: choose what it may be used for, or untick “Used”."
            )
        return cleaned

    def rule_values(self) -> dict[str, bool]:
        return {field: bool(self.cleaned_data.get(field)) for field in CHANNEL_RULE_FIELDS}


class ResponseWindowForm(forms.Form):
    amount = forms.IntegerField(
        required=False, min_value=1, max_value=720, label="Reply within", help_text="Empty: none"
    )
    unit = forms.ChoiceField(choices=WindowUnit.choices, label="Unit")

    def __init__(self, *args, category: Purpose, **kwargs):
        super().__init__(*args, prefix=f"window-{category.value}", **kwargs)
        self.category = category

    def window(self) -> WindowTerms | None:
        amount = self.cleaned_data.get("amount")
        return WindowTerms(amount, self.cleaned_data["unit"]) if amount else None


class OfficeHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    start = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end must be after the start.")
        return cleaned


class BaseOfficeHoursFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        windows = sorted(
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        )
        for (day_a, _, end_a), (day_b, start_b, _) in pairwise(windows):
            if day_a == day_b and start_b < end_a:
                raise ValidationError(f"Two windows on {Weekday(day_a).label} overlap.")

    def windows(self):
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


OfficeHoursFormSet = forms.formset_factory(
    OfficeHoursForm, formset=BaseOfficeHoursFormSet, extra=2, can_delete=True
)


class TherapistTimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, label="Your time zone")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AwayPeriodForm(forms.Form):
    starts_at = forms.DateTimeField(label="Away from", widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label="Back on", widget=DateTimeLocalInput())
    covering_therapist = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Nobody (messages wait for my return)"
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, therapists=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["covering_therapist"].queryset = therapists

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned


class CrisisPeriodForm(forms.ModelForm):
    class Meta:
        model = CrisisPeriod
        fields = ["starts_at", "ends_at", "check_in_cadence", "note"]
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}
        labels = {
            "starts_at": "Starts",
            "ends_at": "Ends by itself at",
            "check_in_cadence": "Check-ins welcome",
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The end must be after the start.")
        return cleaned

    def _post_clean(self):
        # Validation only: the service writes the row (model constraints are checked there).
        pass


class SafetyPlanForm(forms.ModelForm):
    class Meta:
        model = SafetyPlan
        fields = list(SafetyPlan.SECTIONS)
        formfield_callback = text_limited_formfield
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field in SafetyPlan.SECTIONS}
