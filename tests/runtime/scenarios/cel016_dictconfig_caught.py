# Rule: CEL016
# Expected on a live worker: handler ran
# celint reports:
#
# The same failing dictConfig as cel016_raising_dictconfig.py inside a `try` that catches it and
# falls back to a plain configuration honouring `loglevel`: the worker logs "ready." on every
# Celery version. celint reports nothing (no after_setup_* receiver, nothing can escape).
import logging
import logging.config

from celery import Celery
from celery.signals import setup_logging

app = Celery("billing", broker="redis://127.0.0.1:6379/0")
FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(message)s"


@setup_logging.connect
def configure_logging(loglevel=None, **kwargs):
    try:
        logging.config.dictConfig({
            "version": 1,
            "handlers": {"file": {"class": "logging.FileHandler", "filename": "/var/log/billing/worker.log"}},
            "root": {"handlers": ["file"], "level": loglevel},
        })
    except ValueError:
        logging.basicConfig(level=loglevel, format=FORMAT)
        print("fell back to the basic configuration", flush=True)
