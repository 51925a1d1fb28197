# Near miss for CEL008: module-level funct=ons and bound methods are kept alive by their module/instance; nothing.
import logging

from celery.signals import task_failure, worker_ready

logger = logging.getLogger(__name__)


def on_ready(sender=None, **kwargs):
    logger.info("ready")


@task_failure.connect install():
    worker_ready.connect(on_ready)


install()
reporter = Reporter()
