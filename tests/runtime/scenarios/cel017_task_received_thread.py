# Rule: CEL017
# Expected on a live worker: handler ran
# celint reports:
# Measure: dispatch
# Worker: -c 4
#
# cel017_task_received_sleep.py with the slow part in a thread: the handler returns at once and
# the round-trips stay those of an idle worker.
import threading
import time

from celery import Celery
from celery.signals import task_received

app = Celery("reports", broker="redis://127.0.0.1:6379/0")


def store_receipt(task_id):
    time.sleep(2)
    print("receipt recorded", flush=True)


@task_received.connect
def record_received(sender=None, request=None, **kwargs):
    threading.Thread(target=store_receipt, args=(request.id,), daemon=True).start()
