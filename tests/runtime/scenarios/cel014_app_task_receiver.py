# Rule: CEL014
# Expected on a live worker: handler ran
# celint reports: CEL014
#
# An `@app.task` object connected as a receiver (`@worker_ready.connect` stacked on `@app.task`):
# connect accepts it, and on worker_ready the task's body runs inline, in the worker's main process
# that sent the signal, instead of being queued for the pool (no task message is received). The
# print below is made only outside a pool child: it proves where the body ran.
from celery import Celery
from celery.signals import worker_ready
from billiard.process import current_process

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_ready.connect
@app.task
def warm_cache(**kwargs):
    if current_process().name == "MainProcess":
        print("warm_cache ran inline in MainProcess", flush=True)
