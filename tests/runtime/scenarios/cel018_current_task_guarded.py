# Rule: CEL018
# Expected on a live worker: handler ran
# celint reports:
# Check: task id
#
# cel018_current_task_in_revoked.py with `current_task` tested first and the `request` argument
# used when there is none (always, in the MainProcess): the line printed holds the revoked task's
# id. celint does not report a handler that tests current_task.
# file: cel018_ctg_exports.py
from celery import Celery, current_task
from celery.signals import task_revoked

app = Celery("exports", broker="redis://127.0.0.1:6379/0")


@app.task
def export_report(report_id):
    return report_id


@task_revoked.connect
def audit_revoked(sender=None, request=None, **kwargs):
    task_id = current_task.request.id if current_task else request.id
    print("audited the revoke of", task_id, flush=True)

# file: client.py
from cel018_ctg_exports import export_report

result = export_report.apply_async((7,), countdown=3)
result.revoke()
