# Rule: CEL001
# Expected on a live worker: cluster-wide shutdown
# celint reports: CEL001, CEL007
#
# CEL001 through what Celery passes the handler: the `sender` of `worker_init` is the worker
# (WorkController) and `sender.app` is the app. The broadcast is sent before this worker consumes
# remote control: the bystander stops, this worker keeps running.
from celery import Celery
from celery.signals import worker_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_init.connect
def check_config(sender=None, **kwargs):
    print("stopping through sender.app", flush=True)
    sender.app.control.shutdown()
