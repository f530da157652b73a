"""Check-ins and caring messages."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "me/check-ins/<int:check_in_id>/answer/",
        views.client_check_in_answer,
        name="client_check_in_answer",
    ),
    path("me/caring-messages/", views.client_caring_messages, name="client_caring_messages"),
    path("caring/stop/<str:token>/", views.caring_stop_link, name="caring_stop_link"),
    path(
        "clients/<int:client_id>/caring-messages/",
        views.caring_contacts_new,
        name="caring_contacts_new",
    ),
    path(
        "caring-schedules/<int:schedule_id>/stop/",
        views.caring_contacts_end,
        name="caring_contacts_end",
    ),
]
