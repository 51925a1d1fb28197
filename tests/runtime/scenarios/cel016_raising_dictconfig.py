# Rule: CEL016
# Expected on a live worker: startup error
# Expected on Celery <5.7: running without logs
# celint reports: CEL016
#
# A setup_logging receiver whose dictConfig fails: its file handler writes under a directory that
# does not exist where the worker runs (FileNotFoundError, raised by dictConfig as "ValueError:
# Unable to configure handler 'file'"). Celery 5.7 re-raises the receiver's exception: the worker
# stops at start-up with the traceback. Up to 5.6 (seen on 4.4 and 5.3-5.6) Signal.send swallows
# it and the worker runs with no logging at all: no "ready.", no task lines, and the error printed
# nowhere; it answers remote control all the same.
import logging.config

from celery import Celery
from celery.signals import setup_logging

app = Celery("billing", broker="redis://127.0.0.1:6379/0")


@setup_logging.connect
def configure_logging(loglevel=None, **kwargs):
    logging.config.dictConfig({
        "version": 1,
        "handlers": {"file": {"class": "logging.FileHandler", "filename": "/var/log/billing/worker.log"}},
        "root": {"handlers": ["file"], "level": loglevel},
    })
