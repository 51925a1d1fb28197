# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# peewee: the database connected at import (`db.connect()`, then `create_tables`) keeps its
# connection in the database object; the models reach it through `class Meta: database = db`.
# Each child inherits it, and over TLS a child's first query after another child's fails
# ("SSL error: decryption failed or bad record mac", "SSL SYSCALL error: EOF detected").
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


@app.task
def count_items():
    return Item.select().count()
