"""The answering-service escalation engine: therapist → on-call → practice, until acknowledged.

``machine`` (pure: the state machine) and ``oncall`` (pure: rotations and overrides) are the
rules; ``lifecycle`` starts, advances, acknowledges and closes escalations with the row lock;
``recipients`` says who is paged, ``pages`` writes what they are sent, ``acks`` checks links and
SMS codes, ``health`` is the heartbeat and watchdog; ``policies`` and ``schedules`` are the
admin's writes. Imports ``agreements``, ``contactlog`` and ``notifications``; never ``intake``,
``inbox`` or ``oversight``. Tasks publish by name, so ``lifecycle`` never imports ``tasks``.
"""
