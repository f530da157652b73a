"""Reading and answering messages: the client's thread and notes, the therapist's inbox."""

from django.urls import path

from . import views

urlpatterns = [
    # client
    path("me/messages/", views.client_messages, name="client_messages"),
    path(
        "me/messages/<int:message_id>/", views.client_message_detail, name="client_message_detail"
    ),
    path(
        "me/messages/<int:message_id>/raise/",
        views.client_message_raise,
        name="client_message_raise",
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
]
