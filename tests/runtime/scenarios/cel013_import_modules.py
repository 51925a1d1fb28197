# Rule: CEL013
# Expected on a live worker: handler never called
# celint reports: CEL013
# Control: control: import_modules in the app module
#
# import_modules is sent once, at the start of the worker's import pass, right before the modules
# of `include=` are imported: a receiver connected in one of those modules is connected after the
# only send. The same handler in the app module (the control, an f-string print) runs.
# file: cel013_im_app.py
from celery import Celery
from celery.signals import import_modules

app = Celery("demo", broker="redis://127.0.0.1:6379/0", include=["cel013_im_tasks"])


@import_modules.connect
def control(sender=None, **kwargs):
    print(f"control: import_modules in the app module, sender={sender!r}", flush=True)

# file: cel013_im_tasks.py
from celery.signals import import_modules

from cel013_im_app import app


@import_modules.connect
def before_imports(sender=None, **kwargs):
    print("import_modules in the tasks module ran", flush=True)


@app.task
def refresh_prices():
    return "refreshed"
