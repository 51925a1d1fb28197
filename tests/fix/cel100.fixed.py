from celery.signals import worker_process_init


@worker_process_init.connect
def boot(**kwargs):
    print("booting")
    print("still booting")  # noqa: E501
    exit(1)  # noqa: CEL003
