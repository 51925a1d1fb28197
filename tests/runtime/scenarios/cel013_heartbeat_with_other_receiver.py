# Rule: CEL013
# Expected on a live worker: handler ran
# celint reports:
#
# tests/runtime/scenarios/cel013_heartbeat_in_worker_ready.py with one more heartbeat_sent receiver,
# connected at import: the heart, built with a receiver present, sends the signal every 2 s, and the
# send reaches every receiver connected since, the late one too.
from celery import Celery
from celery.signals import heartbeat_sent, worker_ready

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@heartbeat_sent.connect
def count_heartbeats(sender=None, **kwargs):
    pass


def on_heartbeat(sender=None, **kwargs):
    print("heartbeat_sent connected late ran", flush=True)


@worker_ready.connect
def start_monitoring(sender=None, **kwargs):
    heartbeat_sent.connect(on_heartbeat)
