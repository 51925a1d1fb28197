from __future__ import annotations

import sys

from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    sys.exit(1)


@worker_process_init.connect
def boot_again(**kwargs):
    from os import _exit
    _exit(2)
