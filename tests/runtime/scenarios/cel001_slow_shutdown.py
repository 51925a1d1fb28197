# Rule: CEL001
# Expected on a live worker: cluster-wide shutdown
# celint reports: CEL001, CEL004, CEL007
#
# CEL001's race (rules/CEL001.md, "Why is this bad?"): with slow work first, the broadcast is
# published after this worker has subscribed to remote control, so it stops ("Got shutdown from
# remote"), and so does every other worker on the broker.
import time

from celery import Celery
from celery.signals import worker_process_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_process_init.connect
def check_config(**kwargs):
    for _ in range(5):
        time.sleep(1)
    app.control.shutdown()
