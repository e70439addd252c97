"""Celery bound to the Flask app: tasks run in an app context and commit once."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import structlog
from celery import Celery, Task, shared_task
from celery.signals import worker_ready
from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction

from inkstone.core.celery import outbox
from inkstone.core.celery.outbox import OutboxMessage

log = structlog.get_logger(__name__)

_QUEUE = "inkstone_task_queue"
# Redis (and SQS) hand a task that a worker took but never acknowledged (it died: acks_late)
# to another worker after this many seconds; kombu's default is an hour. Jobs do not wait
# for it (``inkstone.jobs.recover`` requeues a dead worker's jobs within JOB_RECOVER_SECONDS);
# other tasks (mail, thumbnails, search indexing) do, so it bounds how late they run after a
# worker is lost. It must stay longer than any task runs and than any countdown a task is
# retried with (60 s at most here): a task still running (or waiting) when it passes is
# handed out a second time. Exports and imports of a large site run for minutes, and a job
# delivered twice notices it runs elsewhere and checks back later; 10 minutes leaves room.
VISIBILITY_TIMEOUT = 600
# A Redis broker that stops answering without closing its connections (a lost host, a
# firewall) must cost a request that sends a task seconds, not for ever: kombu waits without
# limit by default. The socket timeout stays above kombu's BRPOP wait (1 s), on which idle
# workers sit. A send that still fails leaves its task in the outbox (``outbox.send``).
REDIS_BROKER_OPTIONS: dict[str, Any] = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
# One more try of a send, on a fresh connection (one Redis closed when it restarted), then
# the outbox keeps the task. Celery's default tries four times.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# Periodic housekeeping sent by beat every few seconds (the outbox sweep, job recovery) is
# dropped when no worker took it within this many seconds (all busy, or none running), rather
# than piling up for the next worker to run a hundred times. Well above any clock difference
# between the beat's and the workers' machines.
PERIODIC_EXPIRES = 300

# How often a task is tried again, with backoff, while the database is briefly unavailable.
DATABASE_RETRIES = 3
# The options of such a task: ``@shared_task(name=..., **RETRIED_ON_DATABASE_ERRORS)``.
RETRIED_ON_DATABASE_ERRORS: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": DATABASE_RETRIES,
}


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

    _make_sqlite_folders(app.config["CELERY_BROKER_URL"], app.config["CELERY_RESULT_BACKEND"])
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
        # Core's own task modules; each feature adds its own as it registers (core.features).
        include=["inkstone.core.celery", "inkstone.core.mail"],
        worker_hijack_root_logger=False,  # keep the app's structlog handler
        # Periodic tasks: `celery worker -B` (Procfile, embedded mode) runs the beat; with
        # several workers (scaled mode) exactly one process must run it (`celery beat`).
        # Features add their own entries as they register.
        beat_schedule={
            "sweep-outbox": {
                "task": outbox.SWEEP_TASK,
                "schedule": outbox.SWEEP_EVERY.total_seconds(),
                "options": {"expires": PERIODIC_EXPIRES},
            },
        },
        broker_transport_options=_transport_options(app.config["CELERY_BROKER_URL"]),
        task_publish_retry_policy=PUBLISH_RETRY_POLICY,
        # The result backend (results are ignored, but a Redis client is still made): kept
        # from waiting two minutes (Celery's default) on a Redis that does not answer.
        redis_socket_connect_timeout=2,
        redis_socket_timeout=5,
        # A worker that loses the broker lets its running tasks finish (an export writes its
        # progress to the database, not the broker); their messages, unacknowledged, come
        # back after the visibility timeout and find their job finished. Said explicitly:
        # Celery 5 warns that its default will change.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        beat_schedule_filename=str(Path(app.instance_path) / "celerybeat-schedule"),
    )
    celery_app.flask_app = app  # the worker's heartbeat thread needs an app context
    # Define the tasks in the web process too, so requests can send them by name.
    for module in celery_app.conf.include:
        importlib.import_module(module)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def _transport_options(broker_url: str) -> dict[str, Any]:
    """Return the broker's transport options: timeouts and the visibility timeout on Redis."""
    if broker_url.startswith("redis"):
        return dict(REDIS_BROKER_OPTIONS)
    if broker_url.startswith("sqs"):
        return {"visibility_timeout": VISIBILITY_TIMEOUT}
    return {}


def enqueue_after_commit(task: Any, *args: Any) -> None:
    """Send ``task(*args)`` to the queue once the current database transaction commits.

    A worker must never look for a row the request has not committed yet; a rolled-back
    request sends nothing. The task is written to ``core.outbox`` in the same transaction:
    if the broker cannot take it after the commit, the outbox's sweep sends it later.
    """
    from inkstone.extensions import db

    message = OutboxMessage(task=task.name, args=list(args))
    db.session.add(message)
    db.session.info.setdefault(_QUEUE, []).append((message, task.name, list(args)))


def task_named(name: str) -> Any:
    """Return the task ``name`` of this Flask app's Celery app.

    Shared tasks exist once per Celery app, each bound to its own Flask app; calling the
    module-level proxy would use whichever Celery app was made last.
    """
    from flask import current_app

    return current_app.extensions["celery"].tasks[name]


@event.listens_for(Session, "after_commit")
def _send_queued_tasks(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the tasks wait for the real commit
    queued = session.info.pop(_QUEUE, None)
    if not queued:
        return
    from flask import current_app

    celery_app = current_app.extensions["celery"]
    bind = session.get_bind()
    for message, name, args in queued:
        identity = inspect(message).identity  # kept when the commit expired the row
        if identity is not None:
            outbox.send(celery_app, identity[0], name, args, bind)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued_tasks(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_QUEUE, None)


@shared_task(name=outbox.SWEEP_TASK)  # type: ignore[untyped-decorator]  # Celery is untyped
def sweep_outbox() -> int:
    """Send the tasks that could not be sent when their request committed.

    Not retried while the database is away: the next sweep comes within ``SWEEP_EVERY``
    anyway, and retries would only pile up and end in an error in the log.
    """
    from flask import current_app

    from inkstone.extensions import db

    try:
        return outbox.sweep(current_app.extensions["celery"], db.session.get_bind())
    except OperationalError as exc:
        log.warning("outbox.sweep_postponed", error=exc.__class__.__name__)
        return 0


def sweep_on_start(sender: Any = None, **_: Any) -> None:
    """When a worker is ready: send what waited in the outbox while no broker took it."""
    celery_app = sender.app
    try:
        with celery_app.flask_app.app_context():
            from inkstone.extensions import db

            outbox.sweep(celery_app, db.session.get_bind())
            db.session.remove()
    except Exception:  # a busy database must not keep the worker from starting
        log.warning("outbox.sweep_failed", exc_info=True)


worker_ready.connect(sweep_on_start, weak=False)


@shared_task(name="inkstone.ping")  # type: ignore[untyped-decorator]  # Celery is untyped
def ping() -> str:
    """Answer ``pong``: proves a worker is consuming the queue."""
    return "pong"


def _make_sqlite_folders(*urls: str) -> None:
    """Create the folders of SQLite broker and result files (the instance folder, at first).

    Without it, the first task sent on a fresh instance folder (a mail sent in the request,
    with tasks run eagerly) found no file to open and Celery retried creating its tables.
    """
    for url in urls:
        for prefix in ("sqla+sqlite:///", "db+sqlite:///"):
            if url.startswith(prefix):
                Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)
