# Rule: CEL012
# Expected on a live worker: handler ran
# celint reports:
# Worker: -c 1 --max-tasks-per-child=1 -n w1@%h
#
# tests/runtime/scenarios/cel012_worker_signal_senders.py with the filters that match: the full
# node name 'w1@<host>' (`-n w1@%h` expands %h to the host name) for celeryd_init and
# celeryd_after_setup, and no filter, testing `sender` in the body, for worker_ready. Every handler
# prints.
import socket

from celery import Celery
from celery.signals import celeryd_after_setup, celeryd_init, worker_ready

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
NODE = "w1@" + socket.gethostname()


@celeryd_init.connect(sender=NODE)
def init_node(**kwargs):
    print("celeryd_init with the full node name ran", flush=True)


@celeryd_after_setup.connect(sender=NODE)
def after_setup_node(**kwargs):
    print("celeryd_after_setup with the full node name ran", flush=True)


@worker_ready.connect
def ready(sender=None, **kwargs):
    if sender.hostname == NODE:
        print("worker_ready for this node ran", flush=True)
