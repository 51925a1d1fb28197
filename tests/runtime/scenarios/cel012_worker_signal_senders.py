# Rule: CEL012
# Expected on a live worker: handler never called
# celint reports: CEL012
# Tasks: own
# Worker: -c 1 --max-tasks-per-child=1 -n w1@%h
# Control: control: celeryd_init sender='w1@
# Control: control: task_received sender=Consumer
#
# The worker's own signals, on a worker named `-n w1@%h`: celeryd_init and celeryd_after_setup are
# sent with the node name, 'w1@<host>' (never 'w1': node names always hold an '@'); worker_init
# with the WorkController; worker_ready and task_received with the Consumer; after_setup_logger
# with None. A filter on the node's short name, the app, a task or a string matches none of them:
# no filtered handler prints, while the unfiltered controls (f-string prints) show celeryd_init's
# sender, the node name, and task_received's, the Consumer.
from celery import Celery
from celery.signals import (
    after_setup_logger,
    celeryd_after_setup,
    celeryd_init,
    task_received,
    worker_init,
    worker_ready,
)

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@app.task
def refresh_prices():
    return "refreshed"


@celeryd_init.connect(sender="w1")
def init_short_name(**kwargs):
    print("celeryd_init with sender='w1' ran", flush=True)


@celeryd_init.connect(sender=app)
def init_app(**kwargs):
    print("celeryd_init with sender=app ran", flush=True)


@celeryd_after_setup.connect(sender="w1")
def after_setup_short_name(**kwargs):
    print("celeryd_after_setup with sender='w1' ran", flush=True)


@celeryd_after_setup.connect(sender=refresh_prices)
def after_setup_task(**kwargs):
    print("celeryd_after_setup with sender=<task> ran", flush=True)


@worker_init.connect(sender=app)
def init_worker_app(**kwargs):
    print("worker_init with sender=app ran", flush=True)


@worker_ready.connect(sender=app)
def ready_app(**kwargs):
    print("worker_ready with sender=app ran", flush=True)


@worker_ready.connect(sender="w1")
def ready_short_name(**kwargs):
    print("worker_ready with sender='w1' ran", flush=True)


@task_received.connect(sender=refresh_prices)
def received_task(**kwargs):
    print("task_received with sender=<task> ran", flush=True)


@after_setup_logger.connect(sender="celery")
def logger_named(**kwargs):
    print("after_setup_logger with sender='celery' ran", flush=True)


@celeryd_init.connect
def control_init(sender=None, **kwargs):
    print(f"control: celeryd_init sender={sender!r}", flush=True)


@task_received.connect
def control_received(sender=None, **kwargs):
    print(f"control: task_received sender={type(sender).__name__}", flush=True)
