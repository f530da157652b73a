import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpolicy.settings.production")

application = get_wsgi_application()

# Load the language model now, not on the first message. Under gunicorn --preload this runs
# once in the master and its forked workers share the weights; freezing what exists keeps the
# collector from touching (and so copying) those objects' pages in every worker.
from messaging.triage.second_opinion import warm  # noqa: E402 - needs the app loaded

warm()
gc.freeze()
