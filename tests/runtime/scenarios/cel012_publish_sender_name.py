# Rule: CEL012
# Expected on a live worker: handler ran
# celint reports:
# Tasks: own
#
# tests/runtime/scenarios/cel012_publish_sender_task.py with the filter CEL012's fix shows: the
# task's name. Each filtered handler runs in the pool child where `checkout` publishes
# `send_receipt`: the publish signals' sender is the name (task_sent too, on 5.5 and 5.7).
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


@before_task_publish.connect(sender=send_receipt.name)
def before_publish(sender=None, **kwargs):
    print("before_task_publish with sender=<task>.name ran", flush=True)


@after_task_publish.connect(sender=send_receipt.name)
def after_publish(sender=None, **kwargs):
    print("after_task_publish with sender=<task>.name ran", flush=True)


@task_sent.connect(sender=send_receipt.name)
def sent(sender=None, **kwargs):
    print("task_sent with sender=<task>.name ran", flush=True)
