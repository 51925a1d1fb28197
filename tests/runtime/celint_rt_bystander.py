"""The bystander: a plain worker on the same broker (Redis database or RabbitMQ vhost) as the
example worker. It has no handlers and consumes only its own queue, so the only thing that can stop
it is a remote-control shutdown broadcast ("Got shutdown from remote"). The broker comes from
CELERY_BROKER_URL, which Celery reads itself."""

from celery import Celery

app = Celery("bystander")
