"""A client's personal API tokens: list, create (the token is shown once), revoke."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import tokens
from .access import access_api_token
from .models import ApiTokenScope, Role
from .roles import role_required


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="Where you will use it, e.g. “Phone shortcut” — so you can recognise it later.",
    )
    scope = forms.ChoiceField(
        label="It may",
        choices=ApiTokenScope.choices,
        initial=ApiTokenScope.WRITE,
        widget=forms.RadioSelect,
        required=False,  # left out: read and send, as tokens always could
    )
    expires_in = forms.TypedChoiceField(
        label="Expires after",
        choices=[(days, f"{days} days") for days in tokens.LIFETIME_CHOICES_DAYS],
        coerce=int,
        initial=tokens.DEFAULT_LIFETIME.days,
        required=False,
        empty_value=tokens.DEFAULT_LIFETIME.days,
    )


# never_cache: the page that shows a new token must not be kept by the browser or a proxy.
@never_cache
@role_required(Role.CLIENT)
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    raw_token = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _, raw_token = tokens.api_token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"] or ApiTokenScope.WRITE,
                    lifetime=timedelta(days=form.cleaned_data["expires_in"]),
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                # Rendered here rather than after a redirect, so the raw token is never stored
                # anywhere — not in the session, not in a flash message.
                form = ApiTokenForm()
        else:
            status = 400
    return render(
        request,
        "agreements/api_tokens.html",
        {
            "form": form,
            "raw_token": raw_token,
            "api_tokens": tokens.api_tokens_for_user(user=request.user),
        },
        status=status,
    )


@require_POST
@role_required(Role.CLIENT)
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = access_api_token(user=request.user, token_id=token_id)
    tokens.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"“{token.name}” is revoked; apps using it are signed out.")
    return redirect("api_tokens")
