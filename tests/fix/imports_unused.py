"""Exits whose imports go with them: `_exit` and `WorkerShutdown` have their last use in one fix
each, `sys` in two fixes of the same pass; `json`, `shutil` and `getpid` stay in use."""
import json
import shutil, sys
from os import _exit, getpid

from celery.exceptions import WorkerShutdown
from celery.signals import worker_process_init


@worker_process_init.connect
def check(**kwargs):
    if not json.loads("{}"):
        sys.exit(1)
    if getpid() == 1:
        _exit(2)
    if not shutil.which("celery"):
        raise WorkerShutdown()
    sys.exit("still broken")
