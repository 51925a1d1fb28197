# Rule: CEL018
# Expected on a live worker: handler never called
# celint reports: CEL018
# Tasks: own
# Control: task_received sent for
#
# task_received's sender is the worker's Consumer, which has no `request` at all:
# `sender.request.id` raises AttributeError ("'Consumer' object has no attribute 'request'"),
# logged by Signal.send, on every task. The `request` argument has the id (the control, an
# f-string print in the same handler before the faulty line).
from celery import Celery
from celery.signals import task_received

app = Celery("exports", broker="redis://127.0.0.1:6379/0")


@app.task
def export_report():
    return "exported"


@task_received.connect
def audit_received(sender=None, request=None, **kwargs):
    print(f"task_received sent for {request.id}", flush=True)
    print("audited the receipt of", sender.request.id, flush=True)
