from celery import Celery

app = Celery("lspshop")
