# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# SQLAlchemy's own recipe for pools used across a fork: a `connect` listener stamps each
# connection with the process id, and a `checkout` listener discards one stamped by another
# process (SQLAlchemy then connects anew). celint reports nothing.
import os

from celery import Celery
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, event, exc, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)


@event.listens_for(engine, "connect")
def stamp(dbapi_connection, connection_record):
    connection_record.info["pid"] = os.getpid()


@event.listens_for(engine, "checkout")
def check_pid(dbapi_connection, connection_record, connection_proxy):
    pid = os.getpid()
    if connection_record.info["pid"] != pid:
        connection_record.dbapi_connection = connection_proxy.dbapi_connection = None
        raise exc.DisconnectionError(
            f"connection record belongs to pid {connection_record.info['pid']}, checked out in {pid}"
        )


metadata = MetaData()
Table("celint_rt_items", metadata, Column("id", Integer, primary_key=True))
metadata.create_all(engine)


@app.task
def count_items():
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM celint_rt_items")).scalar()
