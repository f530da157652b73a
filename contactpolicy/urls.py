from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from agreements import views as agreement_views
from agreements.forms import ChangePasswordForm, NewPasswordForm, SignInForm
from agreements.signin import views as signin_views
from messaging.escalation import health_views
from messaging.inbox.api import api
from messaging.interop.api import router as interop_router

# The admins' FHIR export joins the client API under /api/v1/ with auth of its own.
api.add_router("/", interop_router)

urlpatterns = [
    path("", agreement_views.home, name="home"),
    # For uptime monitors: no sign-in, no personal data (README → Monitoring).
    path("healthz", health_views.healthz, name="healthz"),
    # Django's own account pages (django-axes throttles sign-in), with forms whose password
    # fields have a maximum length.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path(
        "accounts/password_change/",
        signin_views.PasswordChangeView.as_view(form_class=ChangePasswordForm),
        name="password_change",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        signin_views.PasswordResetConfirmView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    # Reset emails are throttled per email and per address.
    path(
        "accounts/password_reset/", signin_views.PasswordResetView.as_view(), name="password_reset"
    ),
    # The second factor and the session timer.
    path("", include("agreements.signin.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("agreements.urls")),
    path("", include("messaging.intake.urls")),
    path("", include("messaging.voice.urls")),
    path("", include("messaging.inbox.urls")),
    path("", include("messaging.contactlog.urls")),
    path("", include("messaging.escalation.urls")),
    path("", include("messaging.notifications.urls")),
    path("", include("messaging.oversight.urls")),
    path("", include("messaging.between.urls")),
    path("", include("messaging.interop.urls")),
    path("api/v1/", api.urls),
]
