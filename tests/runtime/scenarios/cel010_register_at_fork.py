# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# `os.register_at_fork(after_in_child=...)` at import: the hook runs in every pool child right
# after the fork (billiard forks with os.fork) and forgets the pool the engine inherited
# (`dispose(close=False)`). celint reports nothing.
import os

from celery import Celery
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)
metadata = MetaData()
Table("celint_rt_items", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)


def forget_pool():
    engine.dispose(close=False)


os.register_at_fork(after_in_child=forget_pool)


@app.task
def count_items():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM celint_rt_items")).scalar()
