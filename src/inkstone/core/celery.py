"""Celery bound to the Flask app: tasks run in an app context and commit once."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask


def init_celery(app: Flask) -> Celery:
    """Create the Celery app from the settings and keep it in ``app.extensions``."""

    class FlaskTask(Task):  # type: ignore[misc]  # Celery's Task is untyped
        acks_late = True
        reject_on_worker_lost = True

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            from inkstone.extensions import db

            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()
                return result

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=app.config["CELERY_RESULT_BACKEND"],
        task_always_eager=app.config.get("CELERY_TASK_ALWAYS_EAGER", False),
        task_ignore_result=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        include=["inkstone.core.tasks"],
        worker_hijack_root_logger=False,  # keep the app's structlog handler
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
