# Rule: CEL018
# Expected on a live worker: handler never called
# celint reports: CEL018
# Control: task_revoked sent for
#
# `current_task` in a task_revoked handler: the MainProcess runs no task, current_task is None,
# and `current_task.request.id` raises AttributeError, logged by Signal.send. The signal is sent
# (the control, an f-string print of the `request` argument's id).
# file: cel018_ctr_exports.py
from celery import Celery, current_task
from celery.signals import task_revoked

app = Celery("exports", broker="redis://127.0.0.1:6379/0")


@app.task
def export_report(report_id):
    return report_id


@task_revoked.connect
def audit_revoked(sender=None, request=None, **kwargs):
    print(f"task_revoked sent for {request.id}", flush=True)
    print("audited the revoke of", current_task.request.id, flush=True)

# file: client.py
from cel018_ctr_exports import export_report

result = export_report.apply_async((7,), countdown=3)
result.revoke()
