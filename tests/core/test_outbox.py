"""A job whose message could not reach the broker is sent later, not orphaned.

Before: with Redis down, ``POST /exports`` answered 500 after committing its job as
``queued``; no message reached the broker and the job stayed queued across worker restarts.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import kombu.exceptions
import pytest
from sqlalchemy import func, select, update

from inkstone.auth.models import User
from inkstone.auth.tokens import issue_token
from inkstone.core.celery import outbox
from inkstone.core.celery.outbox import OutboxMessage
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import Job
from tests.conftest import require_service
from tests.server_helpers import free_port
from tests.worker_helpers import file_app, start_worker, stop, wait_until_ready

pytestmark = pytest.mark.filterwarnings(
    # kombu's SQLAlchemy transport maps a relationship with lazy="noload" (deprecated in 2.1).
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)


def _outbox(app) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage)))
        db.session.expunge_all()
        return rows


def _refuse_sends(monkeypatch: pytest.MonkeyPatch, app) -> list[str]:  # type: ignore[no-untyped-def]
    refused: list[str] = []

    def down(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        refused.append(self.name)
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:9. Refused.")

    for task in app.extensions["celery"].tasks.values():
        monkeypatch.setattr(type(task), "apply_async", down, raising=False)
    return refused


def test_a_request_whose_task_the_broker_refuses_still_answers_and_keeps_the_task(
    app, client, make_user, auth_headers, monkeypatch
):
    writer = make_user()
    refused = _refuse_sends(monkeypatch, app)
    response = client.post(
        "/api/v1/exports", json={"export": {"format": "csv"}}, headers=auth_headers(writer)
    )
    assert response.status_code == 202  # the job is recorded and will run
    assert response.json["job"]["status"] == "queued"
    assert refused == ["inkstone.export_articles"]
    [waiting] = _outbox(app)
    assert (waiting.task, waiting.args) == (
        "inkstone.export_articles",
        [int(response.json["job"]["id"])],
    )


def test_the_sweep_sends_what_waited_and_only_once(
    app, client, make_user, auth_headers, monkeypatch
):
    writer = make_user()
    with monkeypatch.context() as broker_down:
        _refuse_sends(broker_down, app)
        job_id = client.post(
            "/api/v1/exports", json={"export": {"format": "csv"}}, headers=auth_headers(writer)
        ).json["job"]["id"]
    with app.app_context():
        bind = db.session.get_bind()
        celery_app = app.extensions["celery"]
        # Too young: its own request may still be sending it.
        assert outbox.sweep(celery_app, bind) == 0
        later = utcnow() + outbox.GRACE + timedelta(seconds=1)
        assert outbox.sweep(celery_app, bind, now=later) == 1  # sent (run at once: eager)
        assert outbox.sweep(celery_app, bind, now=later) == 0  # and gone from the outbox
        assert db.session.get(Job, int(job_id)).status == "succeeded"
    assert _outbox(app) == []


def test_a_claimed_message_is_not_sent_by_a_second_sweeper(app, db):  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.add(
            OutboxMessage(task="inkstone.ping", args=[], created_at=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
        bind = db.session.get_bind()
        now = utcnow()
        message_id = db.session.scalar(select(OutboxMessage.id))
        assert outbox._claim(bind, message_id, now)
        assert not outbox._claim(bind, message_id, now)  # the other sweeper loses
        assert outbox._claim(bind, message_id, now + outbox.CLAIM + timedelta(seconds=1))


# ----------------------------------------------------------------- a real broker, stopped


def _redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
         str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    require_service("redis-server", shutil.which("redis-server") is not None)
    port = free_port()
    servers = [_redis(port, tmp_path)]
    yield port, servers
    for server in servers:
        if server.poll() is None:
            server.terminate()
            server.wait(10)


@pytest.mark.slow
def test_a_job_sent_while_the_broker_was_down_runs_once_it_is_back(tmp_path, private_redis):
    port, servers = private_redis
    broker = f"redis://127.0.0.1:{port}/0"
    instance = tmp_path / "instance"
    app, user_id = file_app(
        instance, CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=broker,
    )  # fmt: skip
    with app.app_context():
        headers = {"Authorization": f"Token {issue_token(db.session.get(User, user_id))}"}
    servers[0].terminate()  # the broker goes down between the commit and the send
    servers[0].wait(10)
    response = app.test_client().post(
        "/api/v1/exports", json={"export": {"format": "csv"}}, headers=headers
    )
    assert response.status_code == 202
    job_id = int(response.json["job"]["id"])
    assert len(_outbox(app)) == 1

    servers.append(_redis(port, tmp_path))  # the broker is back
    with app.app_context():  # as if the grace period had passed
        db.session.execute(
            update(OutboxMessage).values(created_at=utcnow() - outbox.GRACE - timedelta(seconds=1))
        )
        db.session.commit()
    log = tmp_path / "worker.log"
    worker = start_worker(
        instance, log, settings={"CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker}
    )
    try:
        assert wait_until_ready(worker, log) is None
        deadline = time.monotonic() + 60
        while True:  # the starting worker swept the outbox: the job runs
            with app.app_context():
                status = db.session.get(Job, job_id).status
                left = db.session.scalar(select(func.count()).select_from(OutboxMessage))
                db.session.remove()
            if status == "succeeded":
                break
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        stop(worker)
        app.extensions["celery"].close()
        with app.app_context():
            db.engine.dispose()
    assert left == 0
