"""The only way anything leaves the app.

Owns ``Notification`` and the contact methods staff are reached by, one backend per channel
(email, SMS, voice, in-app, the demo outbox), the leased, retried, idempotent sender
(``services.notification_send``) and the providers' status callbacks. Pages, incidents, escalation
updates, auto-replies and clinician replies are all notification rows sent by that one sender.
Imports ``agreements`` and ``contactlog``; never escalation, intake or inbox.
"""
