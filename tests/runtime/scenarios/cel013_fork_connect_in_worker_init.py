# Rule: CEL013
# Expected on a live worker: handler ran
# celint reports:
# Tasks: own
#
# tests/runtime/scenarios/cel013_spawn_connect_in_worker_init.py under the default start method,
# fork: each pool child inherits the receivers the main process connected in worker_init before
# the pool started, and the task_prerun receiver runs before every task.
from celery import Celery
from celery.signals import task_prerun, worker_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@app.task
def refresh_prices():
    return "refreshed"


def on_prerun(sender=None, **kwargs):
    print("task_prerun connected in worker_init ran", flush=True)


@worker_init.connect
def wire_up(sender=None, **kwargs):
    task_prerun.connect(on_prerun, weak=False)
