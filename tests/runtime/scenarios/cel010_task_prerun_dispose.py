# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# The engine keeps the main process's connection in its pool (`create_all` at import), and a
# `task_prerun` handler forgets the inherited pool in the child before each task
# (`dispose(close=False)`): every task opens its own connection. celint reports nothing.
import os

from celery import Celery
from celery.signals import task_prerun
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)
metadata = MetaData()
Table("celint_rt_items", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)


@task_prerun.connect
def fresh_pool(**kwargs):
    engine.dispose(close=False)


@app.task
def count_items():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM celint_rt_items")).scalar()
