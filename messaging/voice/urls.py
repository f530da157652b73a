"""The answering service's Twilio Voice webhooks, included at the site root."""

from django.urls import path

from . import webhooks

urlpatterns = [
    path("webhooks/voice/", webhooks.voice_incoming, name="voice_incoming"),
    path("webhooks/voice/choice/", webhooks.voice_choice, name="voice_choice"),
    path("webhooks/voice/connect/", webhooks.voice_connect, name="voice_connect"),
    path("webhooks/voice/hold/", webhooks.voice_hold, name="voice_hold"),
    path("webhooks/voice/end/", webhooks.voice_end_choice, name="voice_end_choice"),
    path("webhooks/voice/whisper/", webhooks.voice_whisper, name="voice_whisper"),
    path(
        "webhooks/voice/whisper/answer/",
        webhooks.voice_whisper_answer,
        name="voice_whisper_answer",
    ),
    path("webhooks/voice/recorded/", webhooks.voice_recorded, name="voice_recorded"),
    path(
        "webhooks/voice/transcription/",
        webhooks.voice_transcription,
        name="voice_transcription",
    ),
    path("webhooks/voice/status/", webhooks.voice_status, name="voice_status"),
    path("webhooks/voice/page/", webhooks.voice_page_answer, name="voice_page_answer"),
]
