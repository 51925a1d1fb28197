# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
#
# Pony ORM bound at import (`db.bind(...)` connects to check the server, and a query keeps the
# connection in Pony's pool): Pony's pool compares the process id and drops a connection made in
# another process, so each child connects anew. celint does not report it.
import os

from celery import Celery
from pony.orm import Database, db_session

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
db = Database()
db.bind(provider="postgres", dsn=os.environ.get(
    "DATABASE_DSN", "host=127.0.0.1 dbname=postgres user=postgres sslmode=require"))
with db_session:
    db.select("SELECT 1")


@app.task
def count_sessions():
    with db_session:
        return db.select("SELECT count(*) FROM pg_stat_activity")[0]
