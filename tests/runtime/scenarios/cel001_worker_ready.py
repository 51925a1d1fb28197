# Rule: CEL001
# Expected on a live worker: Redis: kept running; RabbitMQ: stopped cleanly
# celint reports: CEL001
#
# CEL001's broker-dependent case (rules/CEL001.md, "Why is this bad?"): a shutdown addressed to
# this worker alone, sent from worker_ready. On Redis the worker subscribes to its pidbox only when
# its event loop first polls, after worker_ready, so the message is lost and the worker keeps
# running; on RabbitMQ the pidbox queue is already bound and the worker stops. The bystander is
# not addressed and must keep running on both.
import os

from celery import Celery
from celery.signals import worker_ready

app = Celery("demo", broker="redis://127.0.0.1:6379/0")


@worker_ready.connect
def check_config(sender, **kwargs):
    if "DEMO_API_KEY" not in os.environ:
        app.control.shutdown(destination=[sender.hostname])
