"""A real Celery worker (threads pool, SQLite broker) consumes ``inkstone.ping`` and beats."""

from __future__ import annotations

import time

import flask_migrate
import pytest

from inkstone import create_app
from inkstone.core import celery as tasks
from inkstone.jobs.services import worker_alive
from tests.conftest import MIGRATIONS_DIR, app_config, require_service
from tests.worker_helpers import CELERY, start_worker, stop, wait_until_ready

RESULT_TIMEOUT = 60  # seconds for the task to come back


def test_ping_task_runs_eagerly_when_configured(app):
    celery_app = app.extensions["celery"]
    assert celery_app.conf.task_always_eager is True
    task = celery_app.tasks[tasks.ping.name]  # registered when its module is imported
    assert task.delay().get(timeout=5) == "pong"


def _heartbeat_seen(app) -> bool:
    """Wait a little for the worker's heartbeat: the site then knows a worker is running."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with app.app_context():
            if worker_alive():
                return True
        time.sleep(0.3)
    return False


@pytest.mark.slow
# kombu's SQLAlchemy transport maps its Queue.messages relationship with lazy="noload", which
# SQLAlchemy 2.1 deprecates; the warning fires when kombu's models are first configured.
@pytest.mark.filterwarnings(
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)
def test_a_real_worker_consumes_the_ping_task(tmp_path):
    require_service("the celery command", CELERY.exists(), str(CELERY))
    instance = tmp_path / "instance"
    instance.mkdir()
    producer_app = create_app(
        app_config(
            instance, f"sqlite:///{instance / 'inkstone.db'}", CELERY_TASK_ALWAYS_EAGER=False
        )
    )
    with producer_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)  # the worker writes its heartbeat
    celery_app = producer_app.extensions["celery"]
    assert celery_app.conf.broker_url == f"sqla+sqlite:///{instance / 'celery-broker.db'}"

    # Queue the task before the worker starts: it must pick up work that is already waiting.
    result = celery_app.send_task("inkstone.ping", ignore_result=False)
    log = tmp_path / "worker.log"
    worker = start_worker(instance, log)
    try:
        problem = wait_until_ready(worker, log)
        if problem is not None:
            require_service("a Celery worker", False, problem)
        assert result.get(timeout=RESULT_TIMEOUT) == "pong"
        assert result.successful()
        output = log.read_text(errors="replace")
        assert f"inkstone.ping[{result.id}] succeeded" in output, output[-3000:]
        assert _heartbeat_seen(producer_app), log.read_text(errors="replace")[-3000:]
    finally:
        stop(worker)
        celery_app.close()
        result.backend.ResultSession().get_bind().dispose()
    assert worker.returncode is not None
