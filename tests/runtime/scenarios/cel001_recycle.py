# Rule: CEL001
# Expected on a live worker: cluster-wide shutdown
# celint reports: CEL001, CEL007
# Tasks: yes
#
# rules/CEL001.md's Example again, this time with a child recycle (--max-tasks-per-child=1 and a
# task): the first child's broadcast is lost for this worker and stops the bystander; the
# replacement child runs worker_process_init again after this worker consumes remote control, so
# its broadcast stops this worker too.
import os

from celery import Celery
from celery.signals import worker_process_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_process_init.connect
def check_config(**kwargs):
    if "DEMO_API_KEY" not in os.environ:
        app.control.shutdown()
