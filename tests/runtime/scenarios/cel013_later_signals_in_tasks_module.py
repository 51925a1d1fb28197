# Rule: CEL013
# Expected on a live worker: handler ran
# celint reports:
#
# The signals the worker sends after it imports the modules of `include=` reach receivers connected
# there: on_after_finalize (the app is finalized after the task modules are imported),
# celeryd_init, worker_init and worker_ready all run from the tasks module. Only the signals sent
# before that import pass (on_after_configure, user_preload_options, import_modules) are missed.
# file: cel013_ls_app.py
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0", include=["cel013_ls_tasks"])

# file: cel013_ls_tasks.py
from celery.signals import celeryd_init, worker_init, worker_ready

from cel013_ls_app import app


@app.on_after_finalize.connect
def finalized(sender, **kwargs):
    print("on_after_finalize in the tasks module ran", flush=True)


@celeryd_init.connect
def init(**kwargs):
    print("celeryd_init in the tasks module ran", flush=True)


@worker_init.connect
def worker_started(**kwargs):
    print("worker_init in the tasks module ran", flush=True)


@worker_ready.connect
def ready(**kwargs):
    print("worker_ready in the tasks module ran", flush=True)


@app.task
def refresh_prices():
    return "refreshed"
