# Rule: CEL014
# Expected on a live worker: handler never called
# celint reports: CEL014
#
# An `async def` receiver: the signal calls it, gets a coroutine back and drops it; the body never
# runs ("RuntimeWarning: coroutine 'announce' was never awaited" at most).
from celery import Celery
from celery.signals import worker_ready

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_ready.connect
async def announce(sender=None, **kwargs):
    print("async worker_ready handler ran", flush=True)
