"""Entry points: ``app`` for gunicorn, ``celery_app`` for the worker."""

from inkstone.app import create_app

app = create_app()
celery_app = app.extensions["celery"]
