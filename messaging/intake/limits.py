"""The documented limits on what intake takes in.

``MESSAGE_BODY_MAX_CHARS`` (defined once, in ``messaging.triage.limits``): a message body up to
this many characters is stored and triaged whole. Past it the message keeps the first
``MESSAGE_BODY_MAX_CHARS`` characters, the whole text stays on the request's
``InboundEnvelope``, and the auto-reply tells the sender what was kept.

The envelope itself is bounded by the request size Django accepts
(``DATA_UPLOAD_MAX_MEMORY_SIZE`` in the settings, 16 MiB): enough for a body at the limit in
any encoding a provider uses. A larger request is refused by Django with 400 before any view
runs, so it is the one kind of request that is never stored.
"""

from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS

__all__ = ["MESSAGE_BODY_MAX_CHARS", "PROVIDER_MESSAGE_ID_MAX_CHARS", "SENDER_ADDRESS_MAX_CHARS"]

# ``Message.sender_address`` and ``Message.provider_message_id`` columns; longer values are kept
# in full on the envelope and shortened on the message.
SENDER_ADDRESS_MAX_CHARS = 254
PROVIDER_MESSAGE_ID_MAX_CHARS = 200
