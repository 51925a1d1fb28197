# Rule: CEL013
# Expected on a live worker: handler ran
# celint reports:
#
# An on_after_configure receiver in a tasks module that the app module (the -A module, which makes
# the app) imports at its bottom, before anything reads a setting: the receiver is connected while
# the `celery` command imports the -A module, before the first configuration read, and runs.
# file: cel013_ibm_app.py
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")

import cel013_ibm_tasks  # noqa: E402,F401 - connects its handlers before the configuration is read

# file: cel013_ibm_tasks.py
from cel013_ibm_app import app


@app.on_after_configure.connect
def setup(sender, **kwargs):
    print("on_after_configure in a module the app module imports ran", flush=True)


@app.task
def refresh_prices():
    return "refreshed"
