"""Rate limits on sign-in and registration answer 429 with Retry-After (JSON or the page).

Sign-in is limited per client IP (``RATELIMIT_SIGNIN``) and per account: the email address
tried, from any IP, through the web form and the API together (``RATELIMIT_SIGNIN_ACCOUNT``,
failed attempts only). ``RATELIMIT_ENABLED=false`` turns every limit off.
"""

from __future__ import annotations

import os
import secrets

import pytest

from inkstone import create_app
from inkstone.auth import passwords
from inkstone.extensions import db, limiter
from tests.conftest import (
    DEFAULT_PASSWORD,
    FAST_HASHER,
    IsolatedClient,
    app_config,
    csrf_token,
    page_text,
    require_service,
)

REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")
LOGIN = "/api/v1/users/login"
WRONG_LOGIN = "Wrong email or password."


@pytest.fixture(autouse=True)
def cheap_dummy_hash(monkeypatch):
    """Unknown addresses check a cheap stand-in hash here (its cost is not what is tested)."""
    monkeypatch.setattr(passwords, "_DUMMY_HASH", FAST_HASHER.hash("inkstone-dummy-password"))


@pytest.fixture
def limited_app(db, make_limited_app):
    """An app with small sign-in and sign-up limits, on the test's rolled-back database."""
    limited = make_limited_app(RATELIMIT_SIGNIN="3/minute", RATELIMIT_REGISTER="2/hour")
    limited.test_client_class = IsolatedClient
    return limited


@pytest.fixture
def account_limited_app(db, make_limited_app):
    """An app whose per-account limit (3 failures a minute) bites long before the per-IP one."""
    limited = make_limited_app(RATELIMIT_SIGNIN="100/minute", RATELIMIT_SIGNIN_ACCOUNT="3/minute")
    limited.test_client_class = IsolatedClient
    return limited


def _api_login(client, email, password="wrong password", address="192.0.2.1"):
    body = {"user": {"email": email, "password": password}}
    return client.post(LOGIN, json=body, environ_base={"REMOTE_ADDR": address})


def _web_login(client, email, password="wrong password", address="192.0.2.1"):
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": password}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def test_login_is_limited_with_a_json_429(limited_app):
    client = limited_app.test_client()
    body = {"user": {"email": "nobody@example.org", "password": "wrong password"}}
    for _ in range(3):
        assert client.post("/api/v1/users/login", json=body).status_code == 401
    response = client.post("/api/v1/users/login", json=body)
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert list(response.json) == ["errors", "code"]
    assert response.json["code"] == "rate_limited"
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


# --------------------------------------------------------------------------- per account


def test_an_account_is_limited_from_any_address(account_limited_app, make_user):
    make_user(email="victim@example.org")
    client = account_limited_app.test_client()
    addresses = ["192.0.2.1", "198.51.100.2", "203.0.113.3"]
    assert [_api_login(client, "victim@example.org", address=a).status_code for a in addresses] == [
        401,
        401,
        401,
    ]
    # A fourth address, even with the right password: the account is resting.
    response = _api_login(client, "victim@example.org", DEFAULT_PASSWORD, address="192.0.2.99")
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert list(response.json) == ["errors", "code"]
    assert response.json["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    # Other accounts, from the same addresses, are not affected.
    assert _api_login(client, "someone-else@example.org", address="192.0.2.1").status_code == 401


def test_the_account_limit_is_the_same_for_unknown_addresses(account_limited_app):
    """An unregistered email is limited like a registered one: the 429 tells nothing."""
    client = account_limited_app.test_client()
    codes = [_api_login(client, "Nobody@Example.org ").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # The address is normalized: another spelling of it is the same account.
    assert _api_login(client, "nobody@example.org", address="203.0.113.9").status_code == 429


def test_the_web_form_and_the_api_share_the_account_limit(account_limited_app, make_user):
    make_user(email="victim@example.org")
    client = account_limited_app.test_client()
    assert _api_login(client, "victim@example.org").status_code == 401
    assert _api_login(client, "victim@example.org").status_code == 401
    assert WRONG_LOGIN in page_text(_web_login(client, "victim@example.org"))
    response = _web_login(client, "victim@example.org", address="203.0.113.3")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "Too many requests" in page_text(response)
    assert int(response.headers["Retry-After"]) > 0
    assert _api_login(client, "victim@example.org", DEFAULT_PASSWORD).status_code == 429


def test_the_account_limit_counts_failures_only(account_limited_app, make_user):
    """Signing in with the right password again and again never uses the limit up."""
    make_user(email="regular@example.org")
    client = account_limited_app.test_client()
    for _ in range(5):
        assert _api_login(client, "regular@example.org", DEFAULT_PASSWORD).status_code == 200
    for _ in range(3):
        web = _web_login(client, "regular@example.org", DEFAULT_PASSWORD)
        assert web.status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    # Bad forms (no password) are not attempts either.
    data = {"csrf_token": csrf_token(client, "/login"), "email": "regular@example.org"}
    for _ in range(3):
        assert client.post("/login", data=data).status_code == 200
    assert _api_login(client, "regular@example.org").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe{}",
        b"[1, 2, 3]",
        b'{"user": "x"}',
        b'{"user": {"email": 5, "password": "x"}}',
        b'{"user": {"email": ["a@b.co"], "password": "x"}}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_bad_bodies_get_the_schema_answer_with_limits_on(account_limited_app, body):
    client = account_limited_app.test_client()
    response = client.post(LOGIN, data=body, content_type="application/json")
    assert response.status_code == 422
    assert "errors" in response.json


# --------------------------------------------------------------------------- switched off


def test_rate_limits_can_be_switched_off(app, client, make_user):
    """The test app runs with RATELIMIT_ENABLED=false: no 429, however many attempts.

    (The sign-in captcha is not a rate limit and stays on: see test_brute_force.)
    """
    assert app.config["RATELIMIT_ENABLED"] is False
    make_user(email="victim@example.org")
    attempts = 40  # more than the default 30 a minute per IP and 10 a minute per account
    assert {_api_login(client, "victim@example.org").status_code for _ in range(attempts)} == {401}
    assert _api_login(client, "victim@example.org", DEFAULT_PASSWORD).status_code == 200
    for n in range(attempts):  # a new address each time: the captcha would come in otherwise
        assert WRONG_LOGIN in page_text(_web_login(client, f"someone-{n}@example.org"))
    for _ in range(attempts):
        assert client.post("/api/v1/users", json={"user": {}}).status_code == 422
    token = csrf_token(client, "/guestbook")
    for n in range(7):  # the default is 5 a minute
        signed = client.post(
            "/guestbook", data={"csrf_token": token, "name": f"G{n}", "body": "Hi"}
        )
        assert signed.status_code == 302
