"""Notification pages and Twilio's delivery-status callback, included at the site root."""

from django.urls import path

from messaging.notifications import views as notify_views

urlpatterns = [
    path("me/contact-methods/", notify_views.contact_methods, name="contact_methods"),
    path("notifications/", notify_views.my_notifications, name="my_notifications"),
    path("outbox/", notify_views.outbox, name="outbox"),
    path(
        "webhooks/twilio-status/",
        notify_views.twilio_status_callback,
        name="twilio_status_callback",
    ),
]
