# Rule: CEL011
# Expected on a live worker: tasks failed
# celint reports: CEL011
# Tasks: own
#
# datadog's ThreadStats started at import: its flush thread runs in the main process only. A
# child records the metric in its copy of the aggregator and nothing ever flushes it (the
# reporter here stands in for the HTTP API and says when a flush reached it).
import threading

from celery import Celery
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
stats.start(flush_interval=1, roll_up_interval=1)
stats.reporter = Reporter()


@app.task
def track():
    FLUSHED.clear()
    stats.increment("celint_rt.tracked")
    if not FLUSHED.wait(timeout=5):
        raise TimeoutError("metric never flushed: no flush thread in this process")
