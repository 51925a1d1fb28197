# Rule: CEL011
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
#
# The fix for cel011_datadog_threadstats.py: each child starts its own ThreadStats (and with it
# its flush thread) in `worker_process_init`; every task's metric is flushed.
import threading

from celery import Celery
from celery.signals import worker_process_init
from datadog import ThreadStats

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
FLUSHED = threading.Event()


class Reporter:
    def flush_metrics(self, metrics):
        FLUSHED.set()

    def flush_distributions(self, distributions):
        pass

    def flush_events(self, events):
        pass


stats = ThreadStats()


@worker_process_init.connect
def start_stats(**kwargs):
    stats.start(flush_interval=1, roll_up_interval=1)
    stats.reporter = Reporter()


@app.task
def track():
    FLUSHED.clear()
    stats.increment("celint_rt.tracked")
    if not FLUSHED.wait(timeout=5):
        raise TimeoutError("metric never flushed: no flush thread in this process")
