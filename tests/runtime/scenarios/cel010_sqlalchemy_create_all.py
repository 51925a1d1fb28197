# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# A SQLAlchemy engine made at import is lazy, but `metadata.create_all(engine)` at import checks a
# connection out in the main process and leaves it open in the engine's pool: every pool child
# inherits it. Over TLS the first child's use works and each later child's first use fails ("SSL
# error: decryption failed or bad record mac", "SSL SYSCALL error: EOF detected").
import os

from celery import Celery
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)
metadata = MetaData()
Table("celint_rt_items", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)


@app.task
def count_items():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM celint_rt_items")).scalar()
