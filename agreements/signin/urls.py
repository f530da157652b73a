from django.urls import path

from . import views

urlpatterns = [
    path("accounts/two-step/", views.second_factor_verify, name="second_factor_verify"),
    path("accounts/two-step/setup/", views.second_factor_setup, name="second_factor_setup"),
    path("accounts/session/", views.session_status, name="session_status"),
    path("accounts/session/keepalive/", views.session_keepalive, name="session_keepalive"),
]
