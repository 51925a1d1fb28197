# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
#
# The connect passed to a retry helper, which calls it at import: the connection is opened in
# the main process all the same, kept in the peewee database, and inherited by every child.
import os
import time

from celery import Celery
from peewee import PostgresqlDatabase

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
db = PostgresqlDatabase(
    "celint_rt", dsn=os.environ.get("DATABASE_DSN", "host=127.0.0.1 dbname=postgres user=postgres sslmode=require")
)


def with_retries(connect, attempts=3):
    for attempt in range(attempts):
        try:
            return connect()
        except Exception:
            time.sleep(0.5 * (attempt + 1))
    raise RuntimeError("no database")


with_retries(db.connect)


@app.task
def count_sessions():
    return db.execute_sql("SELECT count(*) FROM pg_stat_activity").fetchone()[0]
