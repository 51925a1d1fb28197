"""CEL001 in both processes: `current_app` is imported only for the shutdowns and goes with
them; `shared_task` stays."""
import os
import signal

from celery import shared_task
from celery.signals import worker_init, worker_process_init


@shared_task
def ping():
    return "pong"


@worker_process_init.connect
def stop_child(**kwargs):
    os.kill(os.getppid(), signal.SIGTERM)


@worker_init.connect
def stop_main(sender=None, **kwargs):
    raise SystemExit(1)
