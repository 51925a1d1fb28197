# Rule: CEL014
# Expected on a live worker: handler never called
# celint reports: CEL014
# Tasks: own
# Control: control: task_postrun
#
# A required parameter task_postrun never passes (`exception`: that is task_failure's): every call
# raises TypeError, which the signal catches and logs ("Signal handler ... raised: TypeError"),
# so the handler is dead on every task. An unfiltered task_postrun handler taking only what the
# signal passes (the control, an f-string print) runs.
from celery import Celery
from celery.signals import task_postrun

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@app.task
def refresh_prices():
    return "refreshed"


@task_postrun.connect
def record(sender, task_id, exception, **kwargs):
    print("task_postrun handler with a required exception ran", flush=True)


@task_postrun.connect
def control(sender=None, task_id=None, state=None, **kwargs):
    print(f"control: task_postrun {task_id} {state}", flush=True)
