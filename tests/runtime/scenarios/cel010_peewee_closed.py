# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# The fix for cel010_peewee.py that peewee's documentation shows: connect, create the tables,
# and close again at import. Nothing is left open to inherit; each child's first query connects
# (peewee's autoconnect). celint reports nothing.
import os

from celery import Celery
from peewee import IntegerField, Model, PostgresqlDatabase

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
db = PostgresqlDatabase(
    "celint_rt", dsn=os.environ.get("DATABASE_DSN", "host=127.0.0.1 dbname=postgres user=postgres sslmode=require")
)


class Item(Model):
    n = IntegerField(default=0)

    class Meta:
        database = db
        table_name = "celint_rt_peewee_items"


db.connect()
db.create_tables([Item])
db.close()


@app.task
def count_items():
    return Item.select().count()
