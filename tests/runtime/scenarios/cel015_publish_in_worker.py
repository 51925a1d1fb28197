# Rule: CEL015
# Expected on a live worker: handler never completed
# celint reports: CEL015
# Tasks: own
#
# The same stamping published from a task, in a pool child (a producer too): the TypeError is
# swallowed there as well, but the worker's logging shows it ("Signal handler ... raised:
# TypeError"). `checkout` runs three times; `send_receipt` never gets its tenant.
from celery import Celery
from celery.signals import before_task_publish

app = Celery("shop", broker="redis://127.0.0.1:6379/0")


@app.task
def send_receipt(tenant=None):
    return tenant


@app.task
def checkout():
    send_receipt.delay()
    return "checked out"


@before_task_publish.connect
def stamp_tenant(sender=None, body=None, **kwargs):
    print("stamping the tenant", flush=True)
    body["kwargs"]["tenant"] = "acme"
    print("tenant stamped", flush=True)
