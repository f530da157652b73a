"""The dashboard's period: the last 7, 30 or 90 days, or dates of the admin's choosing."""

from datetime import date, timedelta

from django import forms

from messaging.oversight import selectors as oversight

EARLIEST = date(2000, 1, 1)


LONGEST = timedelta(days=366)


class PeriodForm(forms.Form):
    """``?days=7|30|90`` or ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (dates win when both are given)."""

    days = forms.TypedChoiceField(
        choices=[(n, f"Last {n} days") for n in oversight.PERIOD_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    start = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    end = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors or (start is None and end is None):
            return cleaned
        if start is None or end is None:
            raise forms.ValidationError("Choose both a first and a last day.")
        if start > end:
            raise forms.ValidationError("The first day must come before the last day.")
        if start < EARLIEST or end > self.today + LONGEST:
            raise forms.ValidationError("Choose days between 2000 and a year from today.")
        if end - start >= LONGEST:
            raise forms.ValidationError("Choose a period of at most a year.")
        return cleaned

    def period(self, zone) -> oversight.Period:
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            return oversight.Period.between(data["start"], data["end"], zone=zone)
        days = data.get("days") or oversight.DEFAULT_PERIOD_DAYS
        return oversight.Period.last_days(days, zone=zone, today=self.today)
