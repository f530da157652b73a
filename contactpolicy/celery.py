"""The Celery app: settings under the CELERY_ namespace, tasks autodiscovered."""

import gc
import os

from celery import Celery
from celery.signals import worker_init

from contactpolicy.logfilters import quiet_engine_tick

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpolicy.settings.dev")

app = Celery("contactpolicy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The engine tick's per-second "received"/"succeeded"/"sending" lines are logged at DEBUG.
# ENGINE_TICK_LOG_LEVEL=INFO keeps them at INFO (the fault tests read them to tell which
# worker ran the engine).
if os.environ.get("ENGINE_TICK_LOG_LEVEL", "DEBUG").upper() != "INFO":
    quiet_engine_tick()


@worker_init.connect
def _load_the_model_before_the_pool(**kwargs) -> None:
    """In the worker's parent, before the prefork pool forks: one copy of the language model,
    shared by every pool process (see ``messaging.triage.second_opinion.warm``)."""
    from messaging.triage.second_opinion import warm

    warm()
    gc.freeze()
