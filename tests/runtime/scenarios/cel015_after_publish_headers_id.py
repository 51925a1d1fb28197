# Rule: CEL015
# Expected on a live worker: handler ran
# celint reports:
# Check: task id
#
# cel015_after_publish_body_id.py as CEL015's fix makes it where the handler has `headers`: the
# id is `headers['id']` under protocol 2, and the client prints the real task id (the line the
# handler prints holds the id the worker logs).
# file: cel015_aph_shop.py
from celery import Celery
from celery.signals import after_task_publish

app = Celery("shop", broker="redis://127.0.0.1:6379/0")


@app.task
def charge(order_id):
    return order_id


@after_task_publish.connect
def count_published(sender=None, headers=None, body=None, **kwargs):
    task_id = headers["id"]
    print("publish counted", task_id, flush=True)

# file: client.py
from cel015_aph_shop import charge

charge.delay(42)
