from celery.signals import worker_process_init

from lspshop import guard


@worker_process_init.connect
def stop_if_broken(**kwargs):
    guard.check()
