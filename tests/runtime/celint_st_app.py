"""The app of the signal-table check (tests/runtime/signal_table.py).

One plain `def receiver(sender=None, **kwargs)` per signal, connected to every Signal that
`celery.signals` defines and to the app's own `on_*` signals, records each call as one JSON line
(one O_APPEND write, so the worker's processes can share the file): the signal, what the sender
is, the sorted keywords (without `signal`, which `Signal.send` always adds), and the process.

Environment: CELINT_ST_BROKER (the Redis URL), CELINT_ST_RECORD (the JSON-lines file),
CELINT_ST_SETUP_LOGGING=1 to connect `setup_logging` too (any receiver of it turns Celery's own
logging set-up off, and with it after_setup_logger and after_setup_task_logger: the worker runs
without it, beat with it), CELINT_ST_TOUCH_POOL=1 to use the app's connection pool at import
(what registers app.on_after_fork).
"""

import json
import os
import time

import click
from celery import Celery, Task, signals
from celery.utils.dispatch import Signal

RECORD = os.environ["CELINT_ST_RECORD"]
BROKER = os.environ["CELINT_ST_BROKER"]

app = Celery("celint_st_app", broker=BROKER, backend=BROKER, set_as_current=True)
# A preload option, so that user_preload_options is sent.
app.user_options["preload"].add(
    click.Option(["--celint-st-flag"], default="x", help="signal-table check")
)


def _kind(sender, kwargs):
    """What the sender is, in signals.toml's words."""
    from celery.app.task import Task as TaskClass
    from celery.beat import Service
    from celery.worker import WorkController
    from celery.worker.consumer import Consumer
    from celery.worker.heartbeat import Heart

    if sender is None:
        return "none"
    if isinstance(sender, str):
        if "@" in sender:
            return "nodename"
        headers = kwargs.get("headers") or {}
        if sender in app._tasks or sender == headers.get("task") or sender == kwargs.get("task"):
            return "task-name"
        return "str"
    if isinstance(sender, TaskClass):
        return "task-instance"
    if isinstance(sender, Celery):
        return "app"
    for cls, kind in ((Consumer, "consumer"), (WorkController, "work-controller"),
                      (Heart, "heart"), (Service, "beat-service")):
        if isinstance(sender, cls):
            return kind
    try:
        from celery.concurrency.asynpool import AsynPool

        if isinstance(sender, AsynPool):
            return "pool"
    except ImportError:
        pass
    if type(sender).__name__ == "TaskPool":
        return "task-pool"
    if callable(sender) and getattr(sender, "__module__", "").startswith("celery.bin"):
        return "click-command"
    return "other"


def _process_name():
    try:
        from billiard.process import current_process

        return current_process().name
    except Exception:  # noqa: BLE001
        return "?"


def _record(name, sender, kwargs):
    kw = sorted(k for k in kwargs if k != "signal")
    entry = {
        "signal": name,
        "sender_type": type(sender).__name__,
        "sender_kind": _kind(sender, kwargs),
        "sender_has_at": isinstance(sender, str) and "@" in sender,
        "sender_is_task_name": isinstance(sender, str) and _kind(sender, kwargs) == "task-name",
        "kwargs": kw,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "process_name": _process_name(),
        "t": time.time_ns(),
    }
    line = (json.dumps(entry) + "\n").encode()
    fd = os.open(RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def _receiver_for(name):
    def receiver(sender=None, **kwargs):
        _record(name, sender, kwargs)

    receiver.__name__ = f"record_{name}"
    return receiver


# Strong references: the receivers are closures that nothing else holds.
RECEIVERS = {}
CELERY_SIGNALS = sorted(n for n, v in vars(signals).items() if isinstance(v, Signal))
for _name in CELERY_SIGNALS:
    if _name == "setup_logging" and os.environ.get("CELINT_ST_SETUP_LOGGING") != "1":
        continue
    RECEIVERS[_name] = _receiver_for(_name)
    getattr(signals, _name).connect(RECEIVERS[_name], weak=False)
APP_SIGNALS = ["on_configure", "on_after_configure", "on_after_finalize", "on_after_fork"]
for _name in APP_SIGNALS:
    RECEIVERS[_name] = _receiver_for(_name)
    getattr(app, _name).connect(RECEIVERS[_name], weak=False)

# The first read of the configuration (on_configure, on_after_configure), after the connections.
app.conf.update(
    task_default_queue="celint_st",
    broker_connection_retry_on_startup=True,
    result_expires=60,
)
# app.on_after_fork is registered (billiard's register_after_fork) only once the app's broker
# connection pool has been used; the worker's main process does not use it before the pool forks
# unless a handler publishes. The worker of the check sets CELINT_ST_TOUCH_POOL=1 to stand for one.
if os.environ.get("CELINT_ST_TOUCH_POOL") == "1":
    app.pool


@app.task(name="celint_st.ok")
def ok():
    return 1


@app.task(name="celint_st.fail")
def fail():
    raise ValueError("celint_st: failing on purpose")


@app.task(name="celint_st.retry", bind=True, max_retries=1, default_retry_delay=0)
def retry(self):
    if self.request.retries < 1:
        raise self.retry(countdown=0)
    return 2


class BrokenOnFailure(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        raise RuntimeError("celint_st: on_failure raising on purpose (an internal error)")


@app.task(name="celint_st.internal", base=BrokenOnFailure)
def internal():
    raise ValueError("celint_st: failing so that on_failure runs")


@app.task(name="celint_st.sleep", time_limit=1)
def sleep():
    time.sleep(5)
