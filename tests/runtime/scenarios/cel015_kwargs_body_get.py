# Rule: CEL015
# Expected on a live worker: handler never completed
# celint reports: CEL015
#
# The body taken through the handler's `**kwargs` (`kwargs['body']`) and read with a dict method:
# `body.get('task')` on the protocol 2 tuple raises AttributeError ('tuple' object has no
# attribute 'get'), swallowed; nothing printed by the client.
# file: cel015_kbg_shop.py
from celery import Celery
from celery.signals import before_task_publish

app = Celery("shop", broker="redis://127.0.0.1:6379/0")


@app.task
def charge(order_id):
    return order_id


@before_task_publish.connect
def trace_publish(**kwargs):
    print("tracing a publish", flush=True)
    body = kwargs["body"]
    name = body.get("task")
    print("publish traced", name, flush=True)

# file: client.py
from cel015_kbg_shop import charge

charge.delay(42)
