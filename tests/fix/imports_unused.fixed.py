"""Exits whose imports go with them: `_exit` and `WorkerShutdown` have their last use in one fix
each, `sys` in two fixes of the same pass; `json`, `shutil` and `getpid` stay in use."""
import json
import os
import shutil
import signal
from os import getpid

from celery.signals import worker_process_init


@worker_process_init.connect
def check(**kwargs):
    if not json.loads("{}"):
        os.kill(os.getppid(), signal.SIGTERM)
        return
    if getpid() == 1:
        os.kill(os.getppid(), signal.SIGTERM)
        return
    if not shutil.which("celery"):
        os.kill(os.getppid(), signal.SIGTERM)
        return
    os.kill(os.getppid(), signal.SIGTERM)
    return
