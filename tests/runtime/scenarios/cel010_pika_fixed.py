# Rule: CEL010
# Expected on a live worker: kept running
# celint reports: CEL005
# Tasks: own
# Worker: -c 2
# Runs: 6
# Side by side: 2
#
# The fix for cel010_pika.py: each child opens its own connection in `worker_process_init`, and
# the two children publish side by side (three rounds of two, as there) without a failure.
# celint reports no CEL010; CEL005 says the connect there has no bound celint knows of.
import os

import pika
from celery import Celery
from celery.signals import worker_process_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
app.conf.task_soft_time_limit = 4  # a publish that waits for a confirm it never gets fails
PARAMS = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
connection = channel = queue = None


def open_channel():
    connection = pika.BlockingConnection(PARAMS)
    channel = connection.channel()
    channel.confirm_delivery()
    queue = channel.queue_declare(queue="", exclusive=True).method.queue
    return connection, channel, queue


@worker_process_init.connect
def connect(**kwargs):
    global connection, channel, queue
    connection, channel, queue = open_channel()


@app.task
def publish():
    for n in range(100):
        channel.basic_publish(exchange="", routing_key=queue, body=b"event %d" % n * 100)
    return queue
