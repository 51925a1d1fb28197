# Rule: CEL013
# Expected on a live worker: handler never called
# celint reports: CEL013
# Control: control: on_configure in the app module
#
# app.on_configure is sent at the first read of the configuration, with on_after_configure, while
# the `celery` command starts and before the worker imports the modules of `include=`: a receiver
# connected in one of those never runs. The same receiver in the app module (the control, an
# f-string print) runs.
# file: cel013_oc_app.py
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0", include=["cel013_oc_tasks"])


@app.on_configure.connect
def control(sender=None, **kwargs):
    print(f"control: on_configure in the app module, sender={sender!r}", flush=True)

# file: cel013_oc_tasks.py
from cel013_oc_app import app


@app.on_configure.connect
def configure(sender=None, **kwargs):
    print("on_configure in the tasks module ran", flush=True)


@app.task
def refresh_prices():
    return "refreshed"
