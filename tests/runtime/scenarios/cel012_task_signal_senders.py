# Rule: CEL012
# Expected on a live worker: handler never called
# celint reports: CEL012
# Tasks: own
# Control: control: task_success sender=
#
# The task signals are sent with the registered task instance, so a filter of another kind never
# matches it: the task's name (`task.name`, an f-string of the same text) is a str, compared by
# value with an object; a Task subclass is the class, not the instance Celery registered. None of
# the three filtered handlers prints; the unfiltered task_success handler (the control, an f-string
# print) shows the signals were sent, with the task instance as sender.
from celery import Celery, Task
from celery.signals import task_postrun, task_prerun, task_success

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


class AuditedTask(Task):
    pass


@app.task(base=AuditedTask)
def refresh_prices():
    return "refreshed"


@task_prerun.connect(sender=refresh_prices.name)
def started(sender=None, **kwargs):
    print("task_prerun with sender=task.name ran", flush=True)


@task_postrun.connect(sender=f"{__name__}.refresh_prices")
def finished(sender=None, **kwargs):
    print("task_postrun with an f-string sender ran", flush=True)


@task_success.connect(sender=AuditedTask)
def succeeded(sender=None, **kwargs):
    print("task_success with sender=AuditedTask ran", flush=True)


@task_success.connect
def control(sender=None, **kwargs):
    print(f"control: task_success sender={sender!r} ({type(sender).__name__})", flush=True)
