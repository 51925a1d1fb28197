# Rule: CEL018
# Expected on a live worker: handler ran without the task id
# celint reports: CEL018
# Check: task id
# Control: task_failure sent for
# Not run on Celery 4.4: task_failure is not sent on a hard time limit there (Request.on_timeout marks the failure in the result backend only; neither the handler nor the control prints)
#
# task_failure on a hard time limit: the child is SIGKILLed and the MainProcess sends the signal.
# On Celery 5.5 `sender.request.id` is None in it; on 5.7 it is sent twice, once with the id
# (5.7 pushes the request for one of the two) and once with None. The `task_id` argument holds
# the id every time (the control, an f-string print).
# file: cel018_tftl_exports.py
import time

from celery import Celery
from celery.signals import task_failure

app = Celery("exports", broker="redis://127.0.0.1:6379/0")


@app.task(time_limit=2)
def export_report():
    time.sleep(30)


@task_failure.connect
def audit_failure(sender=None, task_id=None, exception=None, **kwargs):
    print(f"task_failure sent for {task_id} ({exception!r})", flush=True)
    print("audited the failure of", sender.request.id, flush=True)

# file: client.py
from cel018_tftl_exports import export_report

export_report.delay()
