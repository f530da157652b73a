"""Notification pages and Twilio's delivery-status callback, included at the site root."""

from django.urls import path

from messaging.notifications import views, webhooks

urlpatterns = [
    path("me/contact-methods/", views.contact_methods, name="contact_methods"),
    path("notifications/", views.my_notifications, name="my_notifications"),
    path("outbox/", views.outbox, name="outbox"),
    path(
        "webhooks/twilio-status/",
        webhooks.twilio_status_callback,
        name="twilio_status_callback",
    ),
]
