# Rule: CEL006
# Expected on a live worker: startup error
# celint reports:
#
# CEL006's boundary (rules/CEL006.md, "What it does"): `Signal.send` catches `Exception` only. A
# project exception derived from `BaseException` and not from `Exception`, raised in a
# `celeryd_init` handler (as a real project does to refuse to start), is not swallowed: it
# propagates out of `Signal.send` and the worker stops before "ready." with a non-zero status.
# celint reports nothing here.
import os

from celery import Celery
from celery.signals import celeryd_init

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


class RefuseToStart(BaseException):
    """Not an Exception: `except Exception` in Signal.send does not catch it."""


@celeryd_init.connect
def check_config(sender=None, conf=None, **kwargs):
    if "DEMO_API_KEY" not in os.environ:
        print("missing config: DEMO_API_KEY is not set", flush=True)
        raise RefuseToStart("missing config")
