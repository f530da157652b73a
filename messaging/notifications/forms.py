"""The form for a clinician's contact methods (the ordered list a page tries)."""

from django import forms
from django.core.exceptions import ValidationError

from messaging.notifications.models import (
    ContactMethodKind,
)
from messaging.notifications.services import (
    MAX_CONTACT_METHODS,
    contact_address_clean,
)


class ContactMethodForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "—"), *ContactMethodKind.choices], required=False, label="How"
    )
    address = forms.CharField(
        max_length=254,
        required=False,
        label="Number or address",
        help_text="Phone: +country code and number. Email: an address. In the app: leave empty.",
    )

    def clean(self):
        cleaned = super().clean()
        kind, address = cleaned.get("kind"), cleaned.get("address", "")
        if not kind and not address:
            return cleaned  # an empty row: ignored
        if not kind:
            self.add_error("kind", "Choose how to be contacted.")
            return cleaned
        try:
            cleaned["address"] = contact_address_clean(kind, address)
        except ValidationError as error:
            self.add_error("address", error)
        return cleaned


class BaseContactMethodFormSet(forms.BaseFormSet):
    def _kept(self) -> list[tuple[int, forms.Form]]:
        return [
            (index, form)
            for index, form in enumerate(self.forms)
            if form.cleaned_data.get("kind") and not form.cleaned_data.get("DELETE")
        ]

    def clean(self):
        if any(self.errors):
            return
        entries = [(f.cleaned_data["kind"], f.cleaned_data["address"]) for _, f in self._kept()]
        if len(entries) > MAX_CONTACT_METHODS:
            raise ValidationError(f"At most {MAX_CONTACT_METHODS} contact methods.")
        if len(set(entries)) != len(entries):
            raise ValidationError("The same method is listed twice.")

    def methods(self) -> list[tuple[str, str]]:
        """(kind, address) in the order the person chose; unnumbered rows keep their place."""
        kept = self._kept()
        kept.sort(key=lambda item: item[1].cleaned_data.get("ORDER") or 10_000 + item[0])
        return [(f.cleaned_data["kind"], f.cleaned_data["address"]) for _, f in kept]
