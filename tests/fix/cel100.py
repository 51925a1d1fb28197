from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    print("booting")  # noqa: CEL003
    print("still booting")  # noqa: CEL003, E501
    exit(1)  # noqa: CEL003, CEL002
