# Rule: CEL015
# Expected on a live worker: handler ran
# celint reports:
# Check: task id
#
# The idiom of Celery's current signals documentation, `info = headers if 'task' in headers else
# body`: under protocol 2 it reads the headers, and the id printed is the task's. celint does not
# report a handler that tests what it got.
# file: cel015_di_shop.py
from celery import Celery
from celery.signals import after_task_publish

app = Celery("shop", broker="redis://127.0.0.1:6379/0")


@app.task
def charge(order_id):
    return order_id


@after_task_publish.connect
def count_published(sender=None, headers=None, body=None, **kwargs):
    info = headers if "task" in headers else body
    print("publish counted", info["id"], flush=True)

# file: client.py
from cel015_di_shop import charge

charge.delay(42)
