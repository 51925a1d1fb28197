import time

from celery.signals import worker_process_init


@worker_process_init.connect
def settle(**kwargs):
    time.sleep(6)
