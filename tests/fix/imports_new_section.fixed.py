"""No standard-library import yet: the fix opens the section."""
import os
import signal

from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    os.kill(os.getppid(), signal.SIGTERM)
    return
