"""CEL001: a shutdown in worker_process_init and in worker_init."""
import logging
import os
import signal

from celery import Celery
from celery.signals import worker_init, worker_process_init

app = Celery("fix")
logger = logging.getLogger(__name__)


@worker_process_init.connect
def stop_child(**kwargs):
    if not app.conf.broker_url:
        os.kill(os.getppid(), signal.SIGTERM)  # stop everything


@worker_init.connect
def stop_main(sender=None, **kwargs):
    raise SystemExit(1)
