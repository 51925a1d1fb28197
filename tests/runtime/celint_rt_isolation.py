"""Used only when the harness cannot create a RabbitMQ vhost per scenario (no rabbitmqctl, or not
root): every scenario then shares vhost "/" and this module, named by CELERY_CONFIG_MODULE, gives
its workers their own task queue, remote-control (pidbox) exchange and event exchange, so that
broadcasts do not cross scenarios. The examples set none of these, so nothing else changes."""

import os

_name = "celint_rt_" + os.environ["CELINT_RT_SCENARIO_TAG"]

task_default_queue = _name
control_exchange = _name
event_exchange = _name + ".ev"
