# Rule: CEL010
# Expected on a live worker: kept running
# celint reports:
# Tasks: own
#
# A lazy engine: `create_engine` at import opens nothing, so each child connects on first use.
# celint reports nothing.
import os

from celery import Celery
from sqlalchemy import create_engine, text

app = Celery("demo", broker="redis://127.0.0.1:6379/0")
URL = os.environ.get("DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require")
engine = create_engine(URL)


@app.task
def server_version():
    with engine.connect() as conn:
        return conn.execute(text("SHOW server_version")).scalar()
