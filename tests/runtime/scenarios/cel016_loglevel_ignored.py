# Rule: CEL016
# Expected on a live worker: running without logs
# celint reports: CEL016
# Procfile: worker: celery -A cel016_loglevel_ignored worker -l info
#
# A setup_logging receiver that sets its own level and never reads `loglevel`, in a project whose
# worker command line passes `-l info` (the harness passes it too): the option is ignored, and
# the INFO records ("ready.", tasks received and succeeded) are never logged. The worker is up
# and answers remote control.
import logging

from celery import Celery
from celery.signals import setup_logging

app = Celery("billing", broker="redis://127.0.0.1:6379/0")
FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(message)s"


@setup_logging.connect
def configure_logging(**kwargs):
    logging.basicConfig(level=logging.WARNING, format=FORMAT)
