"""The Celery app: settings under the CELERY_ namespace, tasks autodiscovered."""

import os

from celery import Celery

from contactpolicy.logfilters import quiet_engine_tick

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpolicy.settings.dev")

app = Celery("contactpolicy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The engine tick's per-second "received"/"succeeded"/"sending" lines are logged at DEBUG.
quiet_engine_tick()
