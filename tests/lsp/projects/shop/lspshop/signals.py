"""Worker start-up hooks."""
from celery.signals import worker_process_init, worker_ready

from lspshop import warmup


@worker_process_init.connect
def boot_child(**kwargs):
    warmup.prepare()


@worker_ready.connect
def annoncé(sender):
    print("prêt", sender)
