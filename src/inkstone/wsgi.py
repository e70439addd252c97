"""Entry points: ``app`` for gunicorn, ``celery_app`` for the worker."""

from dotenv import load_dotenv

from inkstone.app import create_app

load_dotenv(".env")  # the `flask` command reads .env itself; gunicorn and celery do not
app = create_app()
celery_app = app.extensions["celery"]
