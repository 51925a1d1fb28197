# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
#
# redis-py is fork-safe: a client whose connection was opened in the main process (`ping()` at
# import) notices the new process id in each child and opens a connection of its own. celint
# does not report it.
import os

import redis
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
cache = redis.Redis(host="127.0.0.1", port=6379, db=0, socket_timeout=2)
cache.ping()


@app.task
def hit():
    key = f"celint-rt:hits:{os.getpid()}"
    n = cache.incr(key)
    cache.expire(key, 60)
    return n
