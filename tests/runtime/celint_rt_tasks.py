"""Tasks the live-worker harness adds to every example worker (`celery worker -I celint_rt_tasks`).

With `-c 1 --max-tasks-per-child=1` the harness sends `celint_rt.fail` then `celint_rt.ping` once the
worker is ready: each task ends its pool child, so the worker forks two replacement children (the
recycle that arms the WORKER_UP deadline), and the failure fires `task_failure` handlers.
"""

from celery import shared_task


@shared_task(name="celint_rt.fail")
def fail():
    raise RuntimeError("celint runtime harness: this task fails on purpose")


@shared_task(name="celint_rt.ping")
def ping():
    return "pong"
