# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
# Worker: -c 2
# Runs: 6
# Side by side: 2
#
# A pika connection and channel opened at import, used by tasks to publish (with publisher
# confirms). Two children share the one AMQP connection: their frames interleave on the socket
# and RabbitMQ closes it (505 UNEXPECTED_FRAME), or a child waits for a confirm the other one
# read (the soft time limit ends it), then "Channel is closed" in every child. One
# child at a time would not show it: the children must run side by side, as in production. The
# harness sends the tasks in three rounds of two and holds each task at its start until the other
# child has one too (`Side by side: 2`); each publishes long enough for the two to overlap.
import os

import pika
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
app.conf.task_soft_time_limit = 4  # a publish that waits for a confirm it never gets fails
PARAMS = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))


def open_channel():
    connection = pika.BlockingConnection(PARAMS)
    channel = connection.channel()
    channel.confirm_delivery()
    queue = channel.queue_declare(queue="", exclusive=True).method.queue
    return connection, channel, queue


connection, channel, queue = open_channel()


@app.task
def publish():
    for n in range(100):
        channel.basic_publish(exchange="", routing_key=queue, body=b"event %d" % n * 100)
    return queue
