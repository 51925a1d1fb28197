"""The Celery application of a small web shop (a demo project for celint)."""
from celery import Celery

app = Celery("shop", broker="redis://127.0.0.1:6379/0")
app.conf.update(worker_max_tasks_per_child=100)

# Importing the module connects the signal handlers.
from . import worker_signals  # noqa: E402,F401
