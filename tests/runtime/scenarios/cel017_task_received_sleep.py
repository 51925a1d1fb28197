# Rule: CEL017
# Expected on a live worker: dispatch stalls
# celint reports: CEL017
# Measure: dispatch
# Worker: -c 4
#
# A task_received handler that sleeps 2 s: it runs on the MainProcess event loop for every
# message, before the task goes to the pool, so every round-trip takes 2 s or more, with four
# idle pool children waiting.
import time

from celery import Celery
from celery.signals import task_received

app = Celery("reports", broker="redis://127.0.0.1:6379/0")


@task_received.connect
def record_received(sender=None, request=None, **kwargs):
    time.sleep(2)
    print("receipt recorded", flush=True)
