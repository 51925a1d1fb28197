# Rule: CEL002
# Expected on a live worker: SIGKILL loop
# celint reports: CEL002, CEL004
# Child exit: after the start-up check
#
# CEL002's second case (rules/CEL002.md, "Why is this bad?"): init time >= worker_proc_alive_timeout
# (4 s) before the exit. The first child exits with status 1 after the start-up check; every
# replacement is SIGKILLed ("Timed out waiting for UP message") before it reaches the exit.
import time

from celery import Celery
from celery.signals import worker_process_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_process_init.connect
def check_config(**kwargs):
    for _ in range(5):
        time.sleep(1)
    exit(1)
