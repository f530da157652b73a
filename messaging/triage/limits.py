"""How long a message may be, and how a long one is read within the time budget (pure).

* ``MESSAGE_BODY_MAX_CHARS``: the longest body a client can send, stored and triaged whole.
  Every form field that takes a message body has this ``max_length``.
* A message whose normalised text is longer than ``PASSAGE_CHARS`` is read passage by
  passage: whole sentences, at most ``PASSAGE_CHARS`` each, every passage exactly as a short
  message would be read, and the message is as severe as its most severe passage. Evidence
  is weighed per passage, so weak signs scattered through a long ordinary text never add up
  to a crisis, and a crisis sentence anywhere is read as one. Shorter messages are one
  passage: read exactly as before.
* The language model reads at most ``MODEL_WINDOWS`` windows of at most
  ``MODEL_WINDOW_CHARS`` each of a long message: its start, its end, and the places where the
  rules found the strongest signs of risk (counted or discounted). A short message is read
  whole, as before.

On the 2-core development machine a 1,000,000-character body is triaged in about 1 s,
rules and model together (``python -m tests.bench.triage_long``).
"""

from __future__ import annotations

MESSAGE_BODY_MAX_CHARS = 1_000_000
PASSAGE_CHARS = 2_000
# Sentence-level reading: a message up to WHOLE_READ_CHARS (normalised) is one window; in a
# longer one each sign of risk is read again within its sentence and the sentences either
# side, at most WINDOW_CHARS, at most WINDOWS_PER_PASSAGE windows per passage.
WHOLE_READ_CHARS = 300
WINDOW_CHARS = 400
WINDOWS_PER_PASSAGE = 12
MODEL_WINDOWS = 6
MODEL_WINDOW_CHARS = 500
