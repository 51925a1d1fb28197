# Rule: CEL016
# Expected on a live worker: handler never called
# celint reports: CEL016
# Control: logging configured by the project
#
# after_setup_task_logger beside a setup_logging receiver: never sent. The setup_logging receiver
# runs (the control, an f-string print) and sets up a root handler in Celery's format, so the
# worker logs "ready." and its tasks.
import logging

from celery import Celery
from celery.signals import after_setup_task_logger, setup_logging

app = Celery("billing", broker="redis://127.0.0.1:6379/0")
FORMAT = "[%(asctime)s: %(levelname)s/%(processName)s] %(message)s"


@setup_logging.connect
def configure_logging(loglevel=None, **kwargs):
    logging.basicConfig(level=loglevel, format=FORMAT)
    print(f"logging configured by the project at level {loglevel}", flush=True)


@after_setup_task_logger.connect
def tag_task_logs(logger=None, **kwargs):
    print("task logger tagged", flush=True)
