# Rule: CEL007
# Expected on a live worker: cluster-wide shutdown
# celint reports: CEL007
# Tasks: yes
#
# rules/CEL007.md's Example reached through what Celery passes the handler: the `sender` of
# `task_failure` is the task, and `sender.app` is the app, so `sender.app.control.shutdown()` is
# the same broadcast as `app.control.shutdown()` and stops every worker on the broker.
from celery import Celery
from celery.signals import task_failure

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@task_failure.connect
def stop_on_failure(sender=None, **kwargs):
    print("stopping through sender.app", flush=True)
    sender.app.control.shutdown()
