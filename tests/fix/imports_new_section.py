"""No standard-library import yet: the fix opens the section."""
from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    exit(1)
