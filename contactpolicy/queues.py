"""The Celery queues, named once for the settings, the publishers and the process definitions.

Crisis work — an escalation's steps, the engine tick and every send that belongs to an
escalation (its pages, the admins' incident, the client's updates and the crisis auto-reply) —
goes to ``CRISIS_QUEUE``, consumed only by a worker of its own, so a crisis never waits behind
routine sends. Everything else goes to ``ROUTINE_QUEUE``. No Django import here: the settings
import this module.
"""

CRISIS_QUEUE = "crisis"
ROUTINE_QUEUE = "routine"
