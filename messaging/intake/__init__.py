"""Ways in: every inbound message on every channel goes through ``services.message_receive``.

Owns receiving (store, triage, decide, answer), the triage context read from the agreement,
recognising the sender, the SMS and email webhooks, the portal compose page and the operator
console. Imports ``agreements``, ``contactlog``, ``notifications`` and ``escalation`` (to start
paging); never ``inbox`` or ``oversight``.
"""
