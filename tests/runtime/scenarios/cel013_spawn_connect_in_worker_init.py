# Rule: CEL013
# Expected on a live worker: handler never called
# Expected on Celery <5.7: handler ran
# celint reports: CEL013
# Tasks: own
# Control: control: task_prerun connected at import
#
# Celery 5.7's `worker_pool_start_method = "spawn"`: the pool children are started afresh and
# import the modules again; they inherit nothing of the main process. A task_prerun receiver
# connected in a worker_init handler (main process, before the pool starts) is connected in the
# main process only, and never runs in a child, while the one connected at import (the control, an
# f-string print) runs before every task. Before 5.7 Celery has no such setting (the pool forks
# whatever it says): there the receiver is inherited by every child and runs (seen on 4.4 and
# 5.3-5.6).
from celery import Celery
from celery.signals import task_prerun, worker_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
app.conf.worker_pool_start_method = "spawn"


@app.task
def refresh_prices():
    return "refreshed"


def on_prerun(sender=None, **kwargs):
    print("task_prerun connected in worker_init ran", flush=True)


@worker_init.connect
def wire_up(sender=None, **kwargs):
    task_prerun.connect(on_prerun, weak=False)


@task_prerun.connect
def control(sender=None, **kwargs):
    print(f"control: task_prerun connected at import, in {__import__('os').getpid()}", flush=True)
