# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# `multiprocessing.util.register_after_fork(engine, func)` at import: billiard runs that
# registry in each pool child it starts (`func(engine)`), which forgets the inherited pool.
# celint reports nothing.
import os
from multiprocessing.util import register_after_fork

from celery import Celery
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)
register_after_fork(engine, lambda e: e.dispose(close=False))
metadata = MetaData()
Table("celint_rt_items", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)


@app.task
def count_items():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM celint_rt_items")).scalar()
