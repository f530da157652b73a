from django import forms
from django.contrib.auth.forms import PasswordResetForm

# A TOTP code is 6 digits, a recovery code 11 characters; room for spaces people type.
CODE_MAX_CHARS = 32


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=CODE_MAX_CHARS,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


class TotpConfirmForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code your app shows now",
        max_length=CODE_MAX_CHARS,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
