"""The second-factor pages, the lockout page, the session timer, and Django's password views
with what a changed password revokes and a throttle on reset emails."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from . import selectors, services
from .forms import ResetRequestForm, SecondFactorForm, TotpConfirmForm
from .middleware import LAST_SEEN_AT, session_seconds_left


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout answer: the sign-in page, saying why and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next(request))
    if not selectors.second_factor_enrolled(user=request.user):
        return redirect(f"{reverse('second_factor_setup')}?next={_next(request)}")
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_check(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", "That code didn't match (a recovery code works only once).")
        status = 400
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: a QR code made here (no third party sees the secret), the
    secret to type in, and a code to confirm. Someone already enrolled must have given their
    second factor in this session to replace it or get new recovery codes."""
    user = request.user
    enrolled = selectors.second_factor_enrolled(user=user)
    if enrolled and not user.is_verified():
        return redirect(f"{reverse('second_factor_verify')}?next={_next(request)}")
    if request.method == "POST" and request.POST.get("action") == "recovery_codes":
        codes = services.recovery_codes_replace(user=user)
        return render(request, "registration/recovery_codes.html", {"codes": codes, "next": ""})
    if enrolled and request.GET.get("replace") != "1" and request.method == "GET":
        return render(
            request,
            "registration/second_factor_manage.html",
            {"codes_left": selectors.recovery_codes_left(user=user)},
        )
    device = services.totp_enrolment_start(user=user)
    form = TotpConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrolment_confirm(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as problem:
            form.add_error("code", problem.messages[0])
            status = 400
        else:
            otp_login(request, device)
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": services.totp_secret_base32(device),
            "next": _next(request),
        },
        status=status,
    )


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left; asking is not activity."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    left = session_seconds_left(request.session, timezone.now().timestamp())
    return JsonResponse({"signed_in": True, "seconds_left": int(left)})


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": the request itself is activity (the middleware recorded it)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0}, status=401)
    request.session[LAST_SEEN_AT] = timezone.now().timestamp()
    left = session_seconds_left(request.session, timezone.now().timestamp())
    return JsonResponse({"signed_in": True, "seconds_left": int(left)})


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        revoked = services.password_changed(user=form.user, reason="the password was changed")
        if revoked:
            messages.info(self.request, f"Your {revoked} API token(s) were revoked.")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, reason="the password was reset")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm

    def form_valid(self, form):
        address = selectors.signin_client_address(self.request)
        email = form.cleaned_data["email"]
        if not selectors.password_reset_allowed(email=email, client_address=address):
            form.add_error(
                None,
                "Too many reset requests for this address or from this network: try again in "
                "an hour, or ask your practice admin.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        services.password_reset_record(email=email, client_address=address)
        return super().form_valid(form)
