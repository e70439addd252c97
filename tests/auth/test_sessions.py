"""Server-side web sessions: only an id in the cookie, a new id at sign-in, a record per browser."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from inkstone import create_app
from inkstone.auth.models import User, UserSession
from inkstone.auth.sessions import end_all_sessions
from inkstone.core.db import utcnow
from inkstone.core.session_store import WebSession
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, app_config, csrf_token, require_service

REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _login(client, email, *, remember=False, **headers):
    data = {
        "email": email,
        "password": DEFAULT_PASSWORD,
        "csrf_token": csrf_token(client, "/login"),
    }
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _signed_in_as(client):
    """Return the username the settings page greets, or None when it sends us to sign in."""
    response = client.get("/settings")
    if response.status_code != 200:
        return None
    html = response.get_data(as_text=True)
    start = html.index('name="username"')
    return html[
        html.index('value="', start) + 7 : html.index('"', html.index('value="', start) + 7)
    ]


def _session_id(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _stored(app, sid):
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(WebSession)
            .where(WebSession.session_id == f"session:{sid}")
        )


def test_the_cookie_holds_only_a_random_id_and_the_data_stays_on_the_server(app, client, make_user):
    make_user(username="reader", email="reader@example.org")
    _login(client, "reader@example.org")
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert len(cookie.value) >= 40
    assert "." not in cookie.value  # not a signed, serialised cookie session
    assert _stored(app, cookie.value) == 1
    assert _signed_in_as(client) == "reader"


def test_signing_in_gives_a_new_session_id_and_forgets_the_old_one(app, client, make_user):
    make_user(email="reader@example.org")
    client.get("/login")
    csrf_token(client, "/login")  # the form put a CSRF token in the visitor's session
    before = _session_id(client)
    assert before is not None
    assert _stored(app, before) == 1
    _login(client, "reader@example.org")
    after = _session_id(client)
    assert after != before
    assert _stored(app, before) == 0


def test_signing_in_commits_once_and_reads_the_account_once(app, client, make_user, count_queries):
    make_user(email="reader@example.org")
    token = csrf_token(client, "/login")
    data = {"email": "reader@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token}
    with count_queries() as sign_in:
        assert client.post("/login", data=data).status_code == 302
    # A commit in the middle (when the session id changes) would make the account load again.
    assert len([sql for sql in sign_in if sql.startswith("SELECT users.")]) == 1, str(sign_in)
    assert any(sql.startswith("DELETE FROM web_sessions") for sql in sign_in)  # the old id


def test_a_planted_session_id_is_never_adopted(app, client, make_user):
    make_user(username="victim", email="victim@example.org")
    client.set_cookie("session", "attacker-chosen-id-0123456789-abcdefghijklmnop")
    _login(client, "victim@example.org")
    assert _session_id(client) != "attacker-chosen-id-0123456789-abcdefghijklmnop"

    # The attacker who planted the id is not signed in as the victim.
    attacker = app.test_client()
    attacker.set_cookie("session", "attacker-chosen-id-0123456789-abcdefghijklmnop")
    assert _signed_in_as(attacker) is None


def test_a_copied_session_cookie_stops_working_at_sign_out(app, client, make_user):
    make_user(username="reader", email="reader@example.org")
    _login(client, "reader@example.org")
    stolen = _session_id(client)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert _signed_in_as(thief) == "reader"

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert _signed_in_as(thief) is None
    assert _stored(app, stolen) == 0


def test_each_sign_in_is_recorded_with_its_device_and_address(app, client, make_user):
    user = make_user(email="reader@example.org")
    _login(client, "reader@example.org", remember=True, **{"User-Agent": BROWSER})
    with app.app_context():
        (record,) = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id))
        assert record.user_agent == BROWSER
        assert record.ip == "127.0.0.1"
        assert record.remember is True
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    with app.app_context():
        assert (
            db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
            == []
        )


def test_last_seen_is_written_at_most_every_few_minutes(app, client, make_user, count_queries):
    user = make_user(email="reader@example.org")
    _login(client, "reader@example.org")
    long_ago = utcnow() - timedelta(hours=2)
    with app.app_context():
        db.session.execute(
            update(UserSession).where(UserSession.user_id == user.id).values(last_seen_at=long_ago)
        )
        db.session.commit()
    with count_queries() as first:
        client.get("/")
    assert any(sql.startswith("UPDATE user_sessions") for sql in first)
    with app.app_context():
        seen = db.session.scalar(
            select(UserSession.last_seen_at).where(UserSession.user_id == user.id)
        )
    assert seen > long_ago + timedelta(hours=1)
    with count_queries() as second:
        client.get("/")
    assert not any(sql.startswith("UPDATE") for sql in second), str(second)


def test_remember_me_signs_back_in_after_the_browser_forgets_its_session(app, client, make_user):
    make_user(username="reader", email="reader@example.org")
    _login(client, "reader@example.org", remember=True)
    client.delete_cookie("session")  # the browser was closed
    assert _signed_in_as(client) == "reader"


def test_remember_me_dies_with_its_session_record(app, client, make_user):
    user = make_user(username="reader", email="reader@example.org")
    _login(client, "reader@example.org", remember=True)
    with app.app_context():
        db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))
        db.session.commit()
    client.delete_cookie("session")
    assert _signed_in_as(client) is None


def test_a_token_version_bump_ends_every_web_session_and_remember_me(app, client, make_user):
    user = make_user(username="reader", email="reader@example.org")
    _login(client, "reader@example.org", remember=True)
    other = app.test_client()
    _login(other, "reader@example.org")
    with app.app_context():
        end_all_sessions(user=db.session.get(User, user.id))
        db.session.commit()
    assert _signed_in_as(other) is None
    assert _signed_in_as(client) is None
    client.delete_cookie("session")
    assert _signed_in_as(client) is None  # the remember-me cookie names the old version


@pytest.mark.parametrize(
    "identity",
    ["1", "1:0", "abc:0:1", "1:0:1:2", "-1:0:1", f"{2**64}:0:1", "1:0:0", ""],
)
def test_a_malformed_session_identity_is_a_visitor(client, make_user, identity):
    make_user()
    with client.session_transaction() as session:
        session["_user_id"] = identity
    assert _signed_in_as(client) is None


@pytest.mark.redis
def test_sessions_live_in_redis_when_it_is_configured(tmp_path, database_url, make_user):
    require_service("Redis", bool(REDIS_URL), "set INKSTONE_TEST_REDIS_URL=redis://…")
    from redis import Redis

    make_user(username="reader", email="reader@example.org")
    scaled = create_app(app_config(tmp_path, database_url, REDIS_URL=REDIS_URL))
    assert scaled.config["SESSION_BACKEND"] == "redis"
    client = scaled.test_client()
    try:
        _login(client, "reader@example.org")
        sid = _session_id(client)
        redis = Redis.from_url(REDIS_URL)
        assert redis.exists(f"session:{sid}") == 1
        ttl = redis.ttl(f"session:{sid}")
        assert timedelta(days=29) < timedelta(seconds=ttl) <= timedelta(days=30)
        assert _signed_in_as(client) == "reader"
        assert _stored(scaled, sid) == 0  # never in the database
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        assert redis.exists(f"session:{sid}") == 0
    finally:
        with scaled.app_context():
            db.engine.dispose()


def test_expired_sessions_are_not_used_and_the_cleanup_command_removes_them(
    app, client, make_user, cli_runner
):
    make_user(username="reader", email="reader@example.org")
    _login(client, "reader@example.org")
    sid = _session_id(client)
    with app.app_context():
        db.session.execute(
            update(WebSession)
            .where(WebSession.session_id == f"session:{sid}")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert _signed_in_as(client) is None
    result = cli_runner.invoke(args=["session_cleanup"])
    assert result.exit_code == 0, result.output
    assert _stored(app, sid) == 0
