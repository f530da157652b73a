from django.urls import path

from . import log_views, views, webhooks

urlpatterns = [
    # client
    path("me/messages/", views.client_messages, name="client_messages"),
    path("me/messages/new/", views.message_compose, name="message_compose"),
    path(
        "me/messages/<int:message_id>/", views.client_message_detail, name="client_message_detail"
    ),
    path("me/notes/", views.client_notes, name="client_notes"),
    path("me/notes/<int:note_id>/edit/", views.client_note_edit, name="client_note_edit"),
    path("me/notes/<int:note_id>/share/", views.client_note_share, name="client_note_share"),
    path("me/notes/<int:note_id>/delete/", views.client_note_delete, name="client_note_delete"),
    # therapist
    path("inbox/", views.therapist_inbox, name="therapist_inbox"),
    path("messages/<int:message_id>/", views.message_detail, name="message_detail"),
    path("messages/<int:message_id>/reply/", views.message_reply, name="message_reply"),
    path("messages/<int:message_id>/retriage/", views.message_retriage, name="message_retriage"),
    path("messages/<int:message_id>/assign/", views.message_assign, name="message_assign"),
    path("clients/<int:client_id>/prep/", views.session_prep, name="session_prep"),
    path("clients/<int:client_id>/sessions/", views.session_schedule, name="session_schedule"),
    # contact log
    path("log/", log_views.contact_log, name="contact_log"),
    path("log/export.csv", log_views.contact_log_csv, name="contact_log_csv"),
    path("log/messages/<int:message_id>/", log_views.message_metadata, name="log_message_metadata"),
    # answering service
    path("console/", views.operator_console, name="operator_console"),
    # providers
    path("webhooks/sms/", webhooks.sms_inbound, name="sms_inbound"),
    path("webhooks/email/", webhooks.email_inbound, name="email_inbound"),
]
