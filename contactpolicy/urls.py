from django.contrib import admin
from django.urls import include, path

from agreements import views as agreement_views

urlpatterns = [
    path("", agreement_views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("agreements.urls")),
]
