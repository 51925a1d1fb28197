# Rule: CEL015
# Expected on a live worker: handler ran
# celint reports:
#
# A project that sets `task_protocol = 1`: the body is the protocol 1 dict, `body['id']` is the
# task's id and `body['kwargs']` its keyword arguments; the stamped tenant reaches the task.
# celint reads the setting and reports nothing.
# file: cel015_tp1_shop.py
from celery import Celery
from celery.signals import before_task_publish

app = Celery("shop", broker="redis://127.0.0.1:6379/0")
app.conf.task_protocol = 1


@app.task
def charge(order_id, tenant=None):
    if tenant == "acme":
        print("charged for the tenant", flush=True)
    return order_id


@before_task_publish.connect
def stamp_tenant(sender=None, body=None, **kwargs):
    print("stamping the tenant", flush=True)
    body["kwargs"]["tenant"] = "acme"
    print("tenant stamped on", body["id"], flush=True)

# file: client.py
from cel015_tp1_shop import charge

charge.delay(42)
