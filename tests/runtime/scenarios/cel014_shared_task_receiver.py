# Rule: CEL014
# Expected on a live worker: startup error
# celint reports: CEL014
#
# A `@shared_task` object connected as a receiver: the object is a Proxy, which cannot be weakly
# referenced, so `connect` raises "TypeError: cannot create weak reference to 'Proxy' object" while
# the module is imported, and the worker does not start.
from celery import Celery, shared_task
from celery.signals import worker_ready

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@shared_task
def warm_cache(**kwargs):
    print("warm_cache ran", flush=True)


worker_ready.connect(warm_cache)
