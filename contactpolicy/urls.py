from django.contrib import admin
from django.urls import include, path

from agreements import views as agreement_views
from messaging.api import api

urlpatterns = [
    path("", agreement_views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("agreements.urls")),
    path("", include("messaging.urls")),
    path("", include("messaging.escalation.urls")),
    path("", include("messaging.escalation.notify_urls")),
    path("", include("messaging.escalation.admin_urls")),
    path("", include("messaging.oversight_urls")),
    path("api/v1/", api.urls),
]
