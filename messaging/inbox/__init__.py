"""Reading and answering messages: the therapist's inbox, the message page, replies, re-triage,
matching an unknown sender to a client, session notes and session prep; the client's thread and
the client API. Imports ``intake`` (triage context and the decision writer), ``escalation`` and
``notifications``; nothing below imports it.
"""
