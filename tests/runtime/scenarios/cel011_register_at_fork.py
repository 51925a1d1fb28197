# Rule: CEL011
# Expected on a live worker: tasks failed
# celint reports: CEL011
# Tasks: own
#
# The shipper thread of the rule's Example, started at import and again in every child by an
# `os.register_at_fork(after_in_child=...)` hook. Each child has a thread of its own, and still
# the event is not shipped: the child's copy of OUTBOX still lists the main process's thread,
# which was waiting in `get()` at the fork, as a waiter; the task's `put` notifies that ghost,
# and the child's own thread sleeps on (a second `put` would wake it). celint reports it.
import os
import queue
import threading

from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
OUTBOX = queue.Queue()


def ship_events():
    while True:
        event, shipped = OUTBOX.get()
        shipped.set()


def start_shipper():
    threading.Thread(target=ship_events, daemon=True).start()


start_shipper()
os.register_at_fork(after_in_child=start_shipper)


@app.task
def track(event="signup"):
    shipped = threading.Event()
    OUTBOX.put((event, shipped))
    if not shipped.wait(timeout=2):
        raise TimeoutError("event not shipped: no shipper thread in this process")
