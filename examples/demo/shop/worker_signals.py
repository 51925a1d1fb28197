"""Worker start-up hooks."""
import logging

from celery.signals import worker_init, worker_process_init, worker_ready

from . import checks
from .celery_app import app
from .ml import load_models

logger = logging.getLogger(__name__)


@worker_init.connect
def check_settings(sender=None, **kwargs):
    if not app.conf.broker_url:
        raise RuntimeError("no broker configured")


@worker_process_init.connect
def boot_child(**kwargs):
    logger.info("loading models")
    load_models()
    checks.verify_disk()


@worker_ready.connect
def announce(sender=None, **kwargs):
    logger.info("worker %s ready", sender)


def setup_debug_hooks():
    def dump_state(sender=None, **kwargs):
        logger.debug("state: %r", sender)

    worker_ready.connect(dump_state)
