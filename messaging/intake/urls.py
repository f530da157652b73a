"""Ways in: the portal compose page, the operator console and the providers' webhooks."""

from django.urls import path

from . import views, webhooks

urlpatterns = [
    path("me/messages/new/", views.message_compose, name="message_compose"),
    path("me/help-now/", views.message_help_now, name="message_help_now"),
    path("console/", views.operator_console, name="operator_console"),
    path("instance/quarantine/", views.quarantine_list, name="quarantine_list"),
    path(
        "instance/quarantine/<int:envelope_id>/assign/",
        views.quarantine_assign,
        name="quarantine_assign",
    ),
    path("webhooks/sms/", webhooks.sms_inbound, name="sms_inbound"),
    path("webhooks/email/", webhooks.email_inbound, name="email_inbound"),
]
