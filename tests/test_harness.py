"""The test harness itself: rollback isolation and the network guard."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from inkstone.articles.models import PUBLISHED_ARTICLES
from inkstone.auth.models import User
from inkstone.core.db import counters
from tests.conftest import NetworkAccessBlocked, count_rows, require_service


def test_committed_writes_are_visible_within_the_test(app, client, make_user, auth_headers):
    user = make_user(username="isolated")
    response = client.get("/api/v1/user", headers=auth_headers(user))
    assert response.status_code == 200
    assert response.json["user"]["username"] == "isolated"
    created = client.post(
        "/api/v1/articles",
        json={"article": {"title": "Kept", "description": "d", "body": "b"}},
        headers=auth_headers(user),
    )
    assert created.status_code == 201
    with app.app_context():
        assert counters.read(PUBLISHED_ARTICLES) == 1


def test_nothing_leaks_from_the_previous_test(app, db):
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "isolated")) is None
        assert count_rows(User) == 0
        assert counters.read(PUBLISHED_ARTICLES) == 0
        # the rows seeded by the migration survive every rollback
        from inkstone.auth.models import Role

        assert sorted(db.session.scalars(select(Role.name))) == [
            "admin",
            "author",
            "moderator",
            "reader",
        ]


def test_requests_inside_an_app_context_are_refused(app, client):
    with app.app_context(), pytest.raises(RuntimeError, match="outside"):
        client.get("/api/v1/tags")


def test_network_guard_blocks_remote_hosts(network_guard):
    with pytest.raises(NetworkAccessBlocked):
        socket.create_connection(("203.0.113.7", 80), timeout=0.1)
    with pytest.raises(NetworkAccessBlocked):
        socket.getaddrinfo("example.com", 443)
    assert len(network_guard) == 2
    network_guard.clear()  # the attempts were the point of this test


def test_network_guard_allows_loopback(network_guard):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
    finally:
        server.close()
    assert network_guard == []


def test_require_service_skips_locally_and_fails_in_ci(monkeypatch):
    require_service("anything", True)  # available: nothing happens
    monkeypatch.delenv("INKSTONE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis is not available: no REDIS_URL"):
        require_service("Redis", False, "no REDIS_URL")
    monkeypatch.setenv("INKSTONE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="Redis is not available"):
        require_service("Redis", False, "no REDIS_URL")


def test_server_errors_fail_the_test(app, client, monkeypatch):
    from inkstone.articles import tags

    def broken(**_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tags, "popular_tags", broken)
    with pytest.raises(AssertionError, match="500 from GET"):
        client.get("/api/v1/tags")
