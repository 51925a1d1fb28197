import os
import signal
import sys
import time

from celery.signals import worker_process_init


@worker_process_init.connect
def check(**kwargs):
    if not sys.argv:
        os.kill(os.getppid(), signal.SIGTERM)
        return
    time.sleep(1)
    os.kill(os.getppid(), signal.SIGTERM)
    return
