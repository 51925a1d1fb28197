# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
# Worker: -c 2
# Runs: 6
# Side by side: 2
#
# redis-py's after-fork reset covers its connection pool, not the one connection of a client
# built with `single_connection_client=True`: the children share it, and a GET receives the reply
# meant for another child's SET (no exception from redis-py: the task checks what it reads), or
# waits for a reply the other child read (the socket timeout ends it). The harness runs the tasks
# in rounds of two that start together in the two children (`Side by side: 2`).
import os
import uuid

import redis
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
cache = redis.Redis(host="127.0.0.1", port=6379, db=0, socket_connect_timeout=2, socket_timeout=5,
                    single_connection_client=True)


@app.task
def remember():
    for _ in range(200):
        token = uuid.uuid4().hex
        key = f"celint-rt:single:{token}"
        cache.set(key, token, ex=60)
        got = cache.get(key)
        if got != token.encode():
            raise ValueError(f"read {got!r} for the value just written: another child's reply")
    return os.getpid()
