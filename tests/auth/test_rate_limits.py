"""Rate limits on sign-in and registration answer 429 JSON with Retry-After."""

from __future__ import annotations

import os
import secrets

import pytest

from inkstone import create_app
from inkstone.extensions import db, limiter
from tests.conftest import app_config, require_service

REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")


@pytest.fixture
def limited_app(make_limited_app):
    """An app with small sign-in and sign-up limits (these tests only read)."""
    return make_limited_app(RATELIMIT_SIGNIN="3/minute", RATELIMIT_REGISTER="2/hour")


def test_login_is_limited_with_a_json_429(limited_app):
    client = limited_app.test_client()
    body = {"user": {"email": "nobody@example.org", "password": "wrong password"}}
    for _ in range(3):
        assert client.post("/api/v1/users/login", json=body).status_code == 401
    response = client.post("/api/v1/users/login", json=body)
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert list(response.json) == ["errors"]
    assert int(response.headers["Retry-After"]) > 0


def test_registration_is_limited_before_the_body_is_read(limited_app):
    client = limited_app.test_client()
    for _ in range(2):  # invalid bodies still count, and write nothing
        assert client.post("/api/v1/users", json={"user": {}}).status_code == 422
    response = client.post("/api/v1/users", json={"user": {}})
    assert response.status_code == 429
    assert "errors" in response.json


def test_reads_are_not_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(10):
        assert client.get("/api/v1/tags").status_code == 200


@pytest.mark.redis
def test_limits_live_in_redis_and_survive_a_restart(app, tmp_path, database_url, monkeypatch):
    require_service("Redis", bool(REDIS_URL), "set INKSTONE_TEST_REDIS_URL=redis://…")
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    config = app_config(
        tmp_path,
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_SIGNIN="2/minute",
    )
    # A client address of its own, so earlier runs against the same Redis do not count.
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    body = {"user": {"email": "nobody@example.org", "password": "wrong password"}}
    apps = [create_app(config)]

    def login(app):
        return app.test_client().post(
            "/api/v1/users/login", json=body, environ_base={"REMOTE_ADDR": address}
        )

    try:
        assert [login(apps[0]).status_code for _ in range(2)] == [401, 401]
        # A restarted (or second) app builds its limiter storage afresh; only Redis remembers.
        apps.append(create_app(config))
        assert login(apps[1]).status_code == 429
    finally:
        for each in apps:
            with each.app_context():
                db.engine.dispose()
