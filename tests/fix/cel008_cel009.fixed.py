from celery import Celery
from celery.signals import task_failure, worker_process_init, worker_ready

app = Celery("fix")


def create_app():
    @worker_process_init.connect(weak=False)
    def init(**kwargs):
        pass

    @worker_ready.connect(sender=None, weak=False)
    def ready(sender=None, **kwargs):
        pass

    task_failure.connect(lambda sender, **kwargs: None, weak=False)
    return app


@worker_ready.connect
def announce(sender, **kwargs):
    pass


@task_failure.connect
def on_failure(sender, *args, **kwargs
               ):
    pass
