# Rule: CEL014
# Expected on a live worker: handler ran
# celint reports:
# Tasks: own
# Control: control: task_success passes
#
# The same task_success handler as rules/CEL014.md's Example, with `task_id` defaulted: the call
# no longer raises and the handler runs (task_id is then always None: task_success does not pass
# it; `sender.request.id` has it). The control line, an f-string print, shows what the signal passes:
# `result`, and on Celery 5.7 `runtime` too.
from celery import Celery
from celery.signals import task_success

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@app.task
def refresh_prices():
    return "refreshed"


@task_success.connect
def record(sender=None, task_id=None, result=None, **kwargs):
    print("task_success handler with a defaulted task_id ran", flush=True)
    print(f"control: task_success passes {sorted(['result', *kwargs])}, task_id={task_id}", flush=True)
