# Rule: CEL013
# Expected on a live worker: handler never called
# celint reports: CEL013
# Control: control: heartbeat_sent connected in worker_ready
#
# The worker's heart decides once, when it is built (before worker_ready), whether heartbeat_sent
# has receivers: with none, it never sends the signal. A receiver connected inside a worker_ready
# handler is connected after that, and never runs, although a heartbeat goes out every 2 s. The
# worker_ready handler itself runs (the control, an f-string print).
from celery import Celery
from celery.signals import heartbeat_sent, worker_ready

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


def on_heartbeat(sender=None, **kwargs):
    print("heartbeat_sent connected late ran", flush=True)


@worker_ready.connect
def start_monitoring(sender=None, **kwargs):
    heartbeat_sent.connect(on_heartbeat)
    print(f"control: heartbeat_sent connected in worker_ready, receivers={len(heartbeat_sent.receivers)}",
          flush=True)
