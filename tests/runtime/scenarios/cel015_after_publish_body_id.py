# Rule: CEL015
# Expected on a live worker: handler never completed
# celint reports: CEL015
#
# The protocol 1 read of Celery 3.1's signals documentation, `body['id']` in after_task_publish,
# published from a plain client: under protocol 2 the body is a tuple, the read raises TypeError,
# Signal.send swallows it, and the client prints nothing about it (kombu's NullHandler). The task
# is published and runs all the same.
# file: cel015_apb_shop.py
from celery import Celery
from celery.signals import after_task_publish

app = Celery("shop", broker="redis://127.0.0.1:6379/0")


@app.task
def charge(order_id):
    return order_id


@after_task_publish.connect
def count_published(sender=None, body=None, **kwargs):
    print("counting a publish", flush=True)
    task_id = body["id"]
    print("publish counted", task_id, flush=True)

# file: client.py
from cel015_apb_shop import charge

charge.delay(42)
