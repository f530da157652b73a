"""The contact log: every event, append-only, in the same transaction as the change.

Owns ``ContactEvent``/``EventType``, the one writer (``services.contact_event_record``), who may
read which rows (``access``), the review page and its CSV export, and the database triggers that
make the table append-only. It sits at the bottom of the messaging packages: everything writes
through it and it imports none of them (only ``agreements.models`` and ``messaging.models``).
"""
