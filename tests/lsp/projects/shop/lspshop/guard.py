from lspshop.celery_app import app


def check():
    if not app.conf.broker_url:
        app.control.shutdown()
