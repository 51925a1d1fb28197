"""Tasks: nothing here is a signal handler."""
import time

from .celery_app import app


@app.task
def send_receipt(order_id):
    time.sleep(2)
    return order_id
