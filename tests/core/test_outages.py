"""A database that is busy or down answers 503 with Retry-After, never 500.

Before: a write that waited past SQLite's busy timeout (beside a large import) was a 500,
and with PostgreSQL stopped every page was a 500 while the error page itself failed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from inkstone import create_app
from inkstone.core.db import gate as sqlite_gate
from inkstone.core.errors import is_outage
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.worker_helpers import file_app

BUSY_PAGE = "The site is busy or briefly unavailable"


def _check_503(response, *, api: bool) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    if api:
        assert response.json == {
            "errors": {
                "body": ["the service is busy or briefly unavailable; try again in a few seconds"]
            },
            "code": "unavailable",
        }
    else:
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert BUSY_PAGE in page
        assert 'class="navbar' in page  # the site's own page, styled, not a bare fallback


def _app_without_its_database(tmp_path: Path, **settings: Any) -> Flask:
    """An app whose PostgreSQL server is not there (nothing listens on port 9)."""
    app = create_app(
        {
            "ENV": "testing",
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgresql://inkstone:x@127.0.0.1:9/nothing?connect_timeout=2",
            "LOG_REQUESTS": False,
            "LOG_LEVEL": "CRITICAL",
            **settings,
        }
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors reach the handlers
    return app


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[Flask]:
    """An app whose PostgreSQL server is not there, without rate limits."""
    app = _app_without_its_database(tmp_path, RATELIMIT_ENABLED=False)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/", False),
        ("/article/anything", False),
        ("/api/v1/articles", True),
        ("/api/v1/tags", True),
    ],
)
def test_a_database_that_is_down_is_503_on_pages_and_the_api(unreachable, path, api):
    _check_503(unreachable.test_client().get(path), api=api)


def test_a_signed_in_visitor_still_gets_the_503_page(unreachable):
    # The session cannot be read: the page must not need it.
    client = unreachable.test_client()
    client.set_cookie("session", "0" * 43)
    _check_503(client.get("/settings"), api=False)
    login = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "a@example.org", "password": DEFAULT_PASSWORD}},
    )
    _check_503(login, api=True)


def test_readiness_says_so_when_the_database_is_down(unreachable):
    client = unreachable.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == "unreachable"
    # The process itself still answers: nothing to restart.
    assert client.get("/healthz").json == {"status": "ok"}


@pytest.fixture
def busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, threading.Event]]:
    """An app on a SQLite file whose write gate another writer holds until told to stop."""
    app, _writer = file_app(tmp_path / "instance")
    gate = sqlite_gate.gate_for(str(tmp_path / "instance" / "inkstone.db"), 5)
    monkeypatch.setattr(gate, "timeout", 0.3)
    holding, done = threading.Event(), threading.Event()

    def long_writer() -> None:
        gate.acquire()
        holding.set()
        done.wait(10)
        gate.release()

    thread = threading.Thread(target=long_writer)
    thread.start()
    holding.wait(5)
    try:
        yield app, done
    finally:
        done.set()
        thread.join()
        with app.app_context():
            db.engine.dispose()


def test_a_write_that_waits_too_long_for_the_database_is_503_and_changes_nothing(busy):
    app, done = busy
    client = app.test_client()
    signup = {
        "user": {"username": "newcomer", "email": "n@example.org", "password": DEFAULT_PASSWORD}
    }
    _check_503(client.post("/api/v1/users", json=signup), api=True)
    # Reads go on meanwhile (WAL), and once the writer is done the same request works.
    assert client.get("/api/v1/profiles/writer").status_code == 200
    done.set()
    assert client.post("/api/v1/users", json=signup).status_code == 201


def test_only_outages_are_503_not_bugs():
    import sqlite3

    import sqlalchemy.exc

    def wrapped(message: str) -> sqlalchemy.exc.OperationalError:
        return sqlalchemy.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError(message))

    assert is_outage(wrapped("database is locked"))
    assert is_outage(wrapped("unable to open database file"))
    assert not is_outage(wrapped("no such table: articles"))
    assert not is_outage(ValueError("database is locked"))


@pytest.mark.postgres
@pytest.mark.filterwarnings("ignore:Flask-Caching. CACHE_TYPE is set to NullCache:UserWarning")
def test_a_connection_the_database_server_dropped_is_replaced_unnoticed(tmp_path):
    """PostgreSQL restarted (or a proxy closed an idle connection): the next request works.

    Before (issue 15): each connection a process kept in its pool failed one request with a
    503 after the database came back; engines on a server now ``pool_pre_ping``.
    """
    import psycopg

    from tests.conftest import app_config, postgres_url, require_service

    url = postgres_url()
    require_service("PostgreSQL", bool(url), "set INKSTONE_TEST_POSTGRES_URL=postgresql://…")
    # Its own pool, and no cache: /readyz asks the database on every request.
    site = create_app(app_config(tmp_path, url, CACHE_TYPE="null"))
    site.config["PROPAGATE_EXCEPTIONS"] = False
    client = site.test_client()
    try:
        assert client.get("/readyz").status_code == 200  # leaves a connection pooled
        with site.app_context(), db.engine.connect() as pooled:
            backend = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(url, autocommit=True) as server_side:
            ended = server_side.execute("SELECT pg_terminate_backend(%s)", (backend,)).fetchone()
        assert ended == (True,)
        response = client.get("/readyz")
        assert response.status_code == 200, response.json
        assert response.json["database"] == "ok"
    finally:
        with site.app_context():
            db.engine.dispose()


def test_a_rate_limited_route_says_come_back_in_seconds_not_when_the_limit_resets(tmp_path):
    # The limiter put its window's reset (a minute, an hour) in the 503's Retry-After.
    app = _app_without_its_database(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    try:
        login = {"user": {"email": "a@example.org", "password": DEFAULT_PASSWORD}}
        response = app.test_client().post("/api/v1/users/login", json=login)
        _check_503(response, api=True)
        assert response.headers["X-RateLimit-Limit"]  # the limit was counted, and said so
    finally:
        with app.app_context():
            db.engine.dispose()
