from __future__ import annotations

import os
import signal

from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    os.kill(os.getppid(), signal.SIGTERM)
    return


@worker_process_init.connect
def boot_again(**kwargs):
    os.kill(os.getppid(), signal.SIGTERM)
    return
