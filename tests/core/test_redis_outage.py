"""Redis away (stopped, or not answering): pages that need it answer 503, never 500 or a hang.

Issue 15's probe stopped Redis for 10 s under two gunicorn hosts: every signed-in page,
sign-in, sign-up and export answered 500. Redis holds the web sessions, the rate limits and
sign-in failure counts, the cache and the task broker. Without it, what needs a session or a
limit answers 503 with Retry-After (the site's own page, or the API's JSON); anonymous pages
and token-authenticated API calls go on; an export is accepted and its task waits in the
outbox. A Redis that accepts connections but never answers (a lost host, a firewall) is met
with timeouts, not a request held for ever (kombu waited without limit before).
The same faults against the running cluster, through nginx: ``tests/cluster/test_faults.py``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone import create_app
from inkstone.auth.models import User
from inkstone.auth.tokens import issue_token
from inkstone.core.celery.outbox import OutboxMessage
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, app_config
from tests.server_helpers import free_port
from tests.worker_helpers import file_app

UNAVAILABLE = "the service is busy or briefly unavailable; try again in a few seconds"
BUSY_PAGE = "The site is busy or briefly unavailable"
# Not a performance figure (bench/ measures those): a request that has not answered after
# this long is hanging on Redis. The slowest answer expected is an export's, two tries of
# the broker's 3 s socket timeout; a signed-in page waits for the sessions' Redis client.
HANG_GUARD = 10.0
SESSION_COOKIE = "session", "s" * 43  # a browser signed in before Redis went away

pytestmark = pytest.mark.filterwarnings(
    # kombu's SQLAlchemy transport maps a relationship with lazy="noload" (deprecated in 2.1).
    "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
)


class SilentRedis:
    """A server that accepts connections and never answers, as a hung or lost Redis."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.server.settimeout(0.1)  # a blocked accept() would not notice the server closing
        self.port = int(self.server.getsockname()[1])
        self.held: list[socket.socket] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.done.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.held.append(connection)

    def close(self) -> None:
        """Stop accepting and drop every connection."""
        self.done.set()
        self.thread.join(5)
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.fixture(params=["stopped", pytest.param("silent", marks=pytest.mark.slow)])
def redis_away(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Flask, int]]:
    """An app whose Redis (sessions, limits, cache, broker) is stopped or does not answer."""
    silent = SilentRedis() if request.param == "silent" else None
    port = silent.port if silent else free_port()  # nothing listens there
    app, writer_id = file_app(
        tmp_path / "instance",
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="",  # follows REDIS_URL, as in production
        CELERY_TASK_ALWAYS_EAGER=False,
        LOG_LEVEL="CRITICAL",
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors reach the handlers
    try:
        yield app, writer_id
    finally:
        app.extensions["celery"].close()
        with app.app_context():
            db.engine.dispose()
        if silent:
            silent.close()


def _timed(call: Any) -> Any:
    started = time.monotonic()
    response = call()
    waited = time.monotonic() - started
    assert waited < HANG_GUARD, f"answered after {waited:.1f} s"
    return response


def _check_503(response: Any, *, api: bool) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == "5"
    if api:
        assert response.json == {"errors": {"body": [UNAVAILABLE]}, "code": "unavailable"}
    else:
        page = response.get_data(as_text=True)
        assert BUSY_PAGE in page
        assert 'class="navbar' in page  # the site's own page, not gunicorn's bare one


def _token_headers(app: Flask, user_id: int) -> dict[str, str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Token {issue_token(user)}"}


def test_signed_in_pages_sign_in_and_sign_up_answer_503(redis_away, request):
    app, _writer = redis_away
    browser = app.test_client()
    browser.set_cookie(*SESSION_COOKIE)
    _check_503(_timed(lambda: browser.get("/settings")), api=False)
    signup = {"username": "newcomer", "email": "n@example.org", "password": DEFAULT_PASSWORD}
    if "stopped" in request.node.callspec.id:  # the forms open the same session as above
        form = {"email": "writer@example.org", "password": DEFAULT_PASSWORD, "csrf_token": "x"}
        _check_503(_timed(lambda: browser.post("/login", data=form)), api=False)
        _check_503(_timed(lambda: browser.post("/register", data=signup)), api=False)

    api = app.test_client()
    login = {"user": {"email": "writer@example.org", "password": DEFAULT_PASSWORD}}
    _check_503(_timed(lambda: api.post("/api/v1/users/login", json=login)), api=True)
    _check_503(_timed(lambda: api.post("/api/v1/users", json={"user": signup})), api=True)
    with app.app_context():  # the refused sign-up made no account
        assert db.session.scalar(select(User).where(User.username == "newcomer")) is None


def test_an_export_is_accepted_and_its_task_waits_for_the_broker(redis_away):
    app, writer = redis_away
    response = _timed(
        lambda: app.test_client().post(
            "/api/v1/exports",
            json={"export": {"format": "csv"}},
            headers=_token_headers(app, writer),
        )
    )
    assert response.status_code == 202, response.json
    assert response.json["job"]["status"] == "queued"
    with app.app_context():
        waiting = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.task, m.args) for m in waiting] == [
            ("inkstone.export_articles", [int(response.json["job"]["id"])])
        ]


@pytest.mark.parametrize("redis_away", ["stopped"], indirect=True)
def test_anonymous_pages_and_the_token_api_go_on_without_redis(redis_away):
    app, writer = redis_away
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/articles").status_code == 200
    me = client.get("/api/v1/user", headers=_token_headers(app, writer))
    assert me.status_code == 200
    assert me.json["user"]["username"] == "writer"


@pytest.mark.parametrize("redis_away", ["stopped"], indirect=True)
def test_an_outage_is_logged_as_a_warning_not_an_error(redis_away, caplog):
    # Operators are paged on errors: a 503 for a service that is away is not a bug.
    app, _writer = redis_away
    browser = app.test_client()
    browser.set_cookie(*SESSION_COOKIE)
    with caplog.at_level(logging.WARNING):
        assert browser.get("/settings").status_code == 503
        assert browser.get("/login").status_code == 503  # its form's CSRF token is not saved
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    warnings = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert "service unavailable: ConnectionError" in warnings


def test_a_redis_broker_hands_a_dead_worker_s_task_to_another_after_ten_minutes(tmp_path):
    # kombu's default is an hour; jobs are recovered sooner still (JOB_RECOVER_SECONDS).
    app = create_app(app_config(tmp_path, "sqlite://", REDIS_URL="redis://127.0.0.1:1/0"))
    options = app.extensions["celery"].conf.broker_transport_options
    assert options["visibility_timeout"] == 600
    assert 1 < options["socket_timeout"] <= 5  # above kombu's 1 s BRPOP wait, never unbounded
