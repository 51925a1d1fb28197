# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
#
# A client wrapper connected at import that remembers the process id it connected in and
# connects anew when it is used in another one (`if os.getpid() != self._pid:`): each child's
# first query opens the child's own connection. celint reports nothing.
import os

import psycopg2
from celery import Celery

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
DSN = os.environ.get("DATABASE_DSN", "host=127.0.0.1 dbname=postgres user=postgres sslmode=require")


class Database:
    def __init__(self, dsn):
        self.dsn = dsn
        self._pid = os.getpid()
        self.conn = psycopg2.connect(dsn, connect_timeout=3)

    def cursor(self):
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self.conn = psycopg2.connect(self.dsn, connect_timeout=3)
        return self.conn.cursor()


db = Database(DSN)


@app.task
def count_sessions():
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity")
        return cur.fetchone()[0]
