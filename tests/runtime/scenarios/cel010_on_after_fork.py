# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
# Worker: -c 2 --max-tasks-per-child=1
# Runs: 2
# Side by side: 2
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# Celery's `app.on_after_fork` is not a reset: the app registers it (with register_after_fork)
# only when its connection pool is first used in the main process, after the first pool
# children were forked. Those two children do not run it and share the engine's connection:
# two tasks, side by side in them, fail ("SSL error: decryption failed or bad record mac",
# "server closed the connection unexpectedly"). The children forked later run it (seen by hand,
# a print in the handler: from ForkPoolWorker-3 on). celint reports the connection.
import os

from celery import Celery
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)
metadata = MetaData()
Table("celint_rt_items", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)


@app.on_after_fork.connect
def forget_pool(**kwargs):
    engine.dispose(close=False)


@app.task
def count_items():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM celint_rt_items")).scalar()
