from celery import Celery
from celery.signals import task_failure, worker_process_init, worker_ready

app = Celery("fix")


def create_app():
    @worker_process_init.connect
    def init(**kwargs):
        pass

    @worker_ready.connect(sender=None)
    def ready(sender=None, **kwargs):
        pass

    task_failure.connect(lambda sender: None)
    return app


@worker_ready.connect
def announce(sender):
    pass


@task_failure.connect
def on_failure(sender, *args,
               ):
    pass
