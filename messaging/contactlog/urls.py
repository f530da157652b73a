"""The contact-log review page, its CSV export and a message's metadata."""

from django.urls import path

from . import views

urlpatterns = [
    path("log/", views.contact_log, name="contact_log"),
    path("log/export.csv", views.contact_log_csv, name="contact_log_csv"),
    path("log/messages/<int:message_id>/", views.message_metadata, name="log_message_metadata"),
]
