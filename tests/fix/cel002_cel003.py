import sys
import time

from celery.signals import worker_process_init


@worker_process_init.connect
def check(**kwargs):
    if not sys.argv:
        exit(1)
    time.sleep(1)
    sys.exit("still broken")
