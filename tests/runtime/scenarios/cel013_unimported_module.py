# Rule: CEL013
# Expected on a live worker: handler never called
# celint reports: CEL013
# Procfile: worker: celery -A cel013_um_app worker -l info
# Tasks: own
#
# A module of worker-signal handlers that nothing the worker imports reaches (not the -A module,
# not `include=`, not a task module): its handlers are never connected. celint reports this form
# as a warning (what imports a module may not be visible: a Django app's ready(), an entry point),
# and only where the worker's command line names its -A module (the Procfile line above): a
# guessed entry may not be what -A names.
# file: cel013_um_app.py
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0", include=["cel013_um_tasks"])

# file: cel013_um_tasks.py
from cel013_um_app import app


@app.task
def refresh_prices():
    return "refreshed"

# file: cel013_um_signals.py
from celery.signals import task_prerun, worker_ready


@worker_ready.connect
def ready(**kwargs):
    print("worker_ready in an unimported module ran", flush=True)


@task_prerun.connect
def started(**kwargs):
    print("task_prerun in an unimported module ran", flush=True)
