# Rule: CEL012
# Expected on a live worker: handler never called
# celint reports: CEL012
# Tasks: own
# Control: control: after_task_publish sender=
#
# The publish signals are sent with the task's name (a str), in the process that publishes: here a
# pool child, where `checkout` publishes `send_receipt`. A filter on the task object is compared by
# identity with that string and never matches: none of the three filtered handlers prints, while
# the unfiltered after_task_publish handler (the control, an f-string print) shows each publish
# and its sender, the name.
from celery import Celery
from celery.signals import after_task_publish, before_task_publish, task_sent

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@app.task
def send_receipt():
    return "sent"


@app.task
def checkout():
    send_receipt.delay()
    return "checked out"


@before_task_publish.connect(sender=send_receipt)
def before_publish(sender=None, **kwargs):
    print("before_task_publish with sender=<task> ran", flush=True)


@after_task_publish.connect(sender=send_receipt)
def after_publish(sender=None, **kwargs):
    print("after_task_publish with sender=<task> ran", flush=True)


@task_sent.connect(sender=send_receipt)
def sent(sender=None, **kwargs):
    print("task_sent with sender=<task> ran", flush=True)


@after_task_publish.connect
def control(sender=None, **kwargs):
    print(f"control: after_task_publish sender={sender!r}", flush=True)
