# Rule: CEL013
# Expected on a live worker: handler ran
# celint reports:
# Procfile: worker: celery -A cel013_iba_worker worker -l info
#
# An on_after_configure receiver in a tasks module that the -A module imports at module level: the
# module is imported with the -A module, before the `celery` command reads the first setting, so the
# receiver is connected before the only send and runs.
#
# celint knows the -A module from the worker's command line (the Procfile line above); without
# one it takes the module that makes the app for it.
# file: cel013_iba_worker.py
from cel013_iba_celery import app
import cel013_iba_tasks  # noqa: F401 - connects its handlers before the configuration is read

# file: cel013_iba_celery.py
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")

# file: cel013_iba_tasks.py
from cel013_iba_celery import app


@app.on_after_configure.connect
def setup(sender, **kwargs):
    print("on_after_configure in a module the -A module imports ran", flush=True)


@app.task
def refresh_prices():
    return "refreshed"
