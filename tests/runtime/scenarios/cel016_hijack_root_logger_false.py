# Rule: CEL016
# Expected on a live worker: handler ran
# celint reports:
#
# The narrower switch: `worker_hijack_root_logger = False` and the project's own root handler
# (configured at import), no setup_logging receiver. Celery leaves that handler in place (the log
# keeps the project's format) and still sends after_setup_logger.
import logging

from celery import Celery
from celery.signals import after_setup_logger

logging.basicConfig(level=logging.INFO, format="ours [%(asctime)s: %(levelname)s/%(processName)s] %(message)s")
app = Celery("billing", broker="redis://127.0.0.1:6379/0")
app.conf.worker_hijack_root_logger = False


@after_setup_logger.connect
def quiet_noisy_loggers(logger=None, **kwargs):
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    print("noisy loggers quieted", flush=True)
