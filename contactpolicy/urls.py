from django.contrib import admin
from django.urls import include, path

from agreements import views as agreement_views
from messaging.escalation import health_views
from messaging.inbox.api import api

urlpatterns = [
    path("", agreement_views.home, name="home"),
    # For uptime monitors: no sign-in, no personal data (README → Monitoring).
    path("healthz", health_views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("agreements.urls")),
    path("", include("messaging.intake.urls")),
    path("", include("messaging.inbox.urls")),
    path("", include("messaging.contactlog.urls")),
    path("", include("messaging.escalation.urls")),
    path("", include("messaging.notifications.urls")),
    path("", include("messaging.oversight.urls")),
    path("api/v1/", api.urls),
]
