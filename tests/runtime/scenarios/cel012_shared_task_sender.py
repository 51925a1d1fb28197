# Rule: CEL012
# Expected on a live worker: handler ran
# celint reports:
# Tasks: own
#
# A `@shared_task` object as the sender of a task signal works: connect resolves the proxy to the
# task the worker's app registers, the instance task_prerun is sent with (as for an `@app.task`
# object, rules/CEL012.md's Use instead).
from celery import Celery, shared_task
from celery.signals import task_prerun

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@shared_task
def refresh_prices():
    return "refreshed"


@task_prerun.connect(sender=refresh_prices)
def started(sender=None, **kwargs):
    print("task_prerun with sender=<shared_task> ran", flush=True)
