# Rule: CEL018
# Expected on a live worker: handler ran
# celint reports:
# Tasks: own
# Check: task id
#
# cel018_task_received_sender_request.py with the handler's own `request` argument: every line it
# prints holds the id of the task received.
from celery import Celery
from celery.signals import task_received

app = Celery("exports", broker="redis://127.0.0.1:6379/0")


@app.task
def export_report():
    return "exported"


@task_received.connect
def audit_received(sender=None, request=None, **kwargs):
    print("audited the receipt of", request.id, flush=True)
