# Rule: CEL010
# Expected on a live worker: tasks failed
# celint reports: CEL010
# Tasks: own
# Exclusive start: creates PostgreSQL tables at import (CREATE TABLE races itself)
#
# The Flask app made at import of the worker's app module, with Flask-SQLAlchemy's `create_all`
# in it: the extension's engine keeps the main process's connection in its pool, and each child's
# first query on it fails over TLS.
import os

from celery import Celery
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Order(db.Model):
    __tablename__ = "celint_rt_orders"
    id = db.Column(db.Integer, primary_key=True)


def create_app():
    flask_app = Flask(__name__)
    flask_app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
        "DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/postgres?sslmode=require"
    )
    db.init_app(flask_app)
    with flask_app.app_context():
        db.create_all()
    return flask_app


flask_app = create_app()
app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@app.task
def count_orders():
    with flask_app.app_context():
        return db.session.execute(db.text("SELECT count(*) FROM celint_rt_orders")).scalar()
