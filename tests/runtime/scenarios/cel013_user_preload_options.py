# Rule: CEL013
# Expected on a live worker: handler never called
# celint reports: CEL013
# Control: control: user_preload_options in the app module
# Not run on Celery 4.4: the preload option is a click Option, Celery 5's command line; 4.4's is argparse (the worker stops at import: "'option' object has no attribute 'action'")
#
# user_preload_options is sent by the `celery` command once it has parsed the command line, before
# the worker is built, so before the worker imports the modules of `include=`: a receiver connected
# in one of those never runs. The app module adds a preload option (`--region`, default "eu") so the
# signal is sent at all; its own receiver (the control, an f-string print) runs.
# file: cel013_po_app.py
from celery import Celery
from celery.signals import user_preload_options
from click import Option

app = Celery("demo", broker="redis://127.0.0.1:6379/0", include=["cel013_po_tasks"])
app.user_options["preload"].add(Option(["--region"], default="eu", help="the region this worker serves"))


@user_preload_options.connect
def control(options=None, **kwargs):
    print(f"control: user_preload_options in the app module, options={options!r}", flush=True)

# file: cel013_po_tasks.py
from celery.signals import user_preload_options

from cel013_po_app import app


@user_preload_options.connect
def read_region(options=None, **kwargs):
    print("user_preload_options in the tasks module ran", flush=True)


@app.task
def refresh_prices():
    return "refreshed"
