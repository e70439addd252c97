"""The account API: web sessions, revoking every token, deleting the account."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inkstone.articles.models import PUBLISHED_ARTICLES, Article
from inkstone.auth.audit import Event, list_events
from inkstone.auth.models import User, UserSession, UserStatus
from inkstone.core.db import counters
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, IsolatedClient, csrf_token

SESSIONS = "/api/v1/user/sessions"
REVOKE = "/api/v1/user/tokens/revoke"
USER = "/api/v1/user"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EMAIL = "writer@example.org"


@pytest.fixture
def web_browser(app, client):
    """Return a browser signed in through the sign-in form as ``EMAIL`` (Firefox on Windows)."""

    def open_browser(remember=False):
        browser = app.test_client()
        browser.environ_base["HTTP_USER_AGENT"] = FIREFOX_WINDOWS
        data = {
            "csrf_token": csrf_token(browser, "/login"),
            "email": EMAIL,
            "password": DEFAULT_PASSWORD,
            **({"remember": "y"} if remember else {}),
        }
        assert browser.post("/login", data=data).status_code == 302
        return browser

    return open_browser


def _signed_in(browser):
    return browser.get("/settings").status_code == 200


def _session_ids(app, user):
    with app.app_context():
        query = select(UserSession.id).where(UserSession.user_id == user.id)
        return sorted(db.session.scalars(query))


def _events(app, user, event):
    with app.app_context():
        return list_events(user=db.session.get(User, user.id), event=event)


def _delete_user(client, headers, password=DEFAULT_PASSWORD, **extra):
    body = {"user": {"password": password, **extra}}
    return client.delete(USER, json=body, headers=headers)


# --------------------------------------------------------------------------- sessions


def test_sessions_lists_the_users_web_sessions(app, client, make_user, auth_headers, web_browser):
    user = make_user(email=EMAIL)
    web_browser()
    make_user(email="someone@example.org")
    response = client.get(SESSIONS, headers=auth_headers(user))
    assert response.status_code == 200
    [listed] = response.json["sessions"]
    assert set(listed) == {"id", "device", "ip", "createdAt", "lastSeenAt", "current"}
    assert listed["id"] == str(_session_ids(app, user)[0])
    assert listed["device"] == "Firefox on Windows"
    assert listed["ip"] == "127.0.0.1"
    assert TIMESTAMP.match(listed["createdAt"])
    assert TIMESTAMP.match(listed["lastSeenAt"])
    assert listed["current"] is False


def test_sessions_of_a_user_without_any_is_an_empty_list(client, make_user, auth_headers):
    response = client.get(SESSIONS, headers=auth_headers(make_user()))
    assert response.json == {"sessions": []}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", SESSIONS), ("delete", f"{SESSIONS}/1"), ("post", REVOKE), ("delete", USER)],
)
def test_account_routes_need_a_token(client, method, path):
    response = client.open(path, method=method.upper(), json={})
    assert response.status_code == 401
    assert "errors" in response.json


def test_ending_a_session_signs_that_browser_out(app, client, make_user, auth_headers, web_browser):
    user = make_user(email=EMAIL)
    browser = web_browser(remember=True)
    [session_id] = _session_ids(app, user)
    response = client.delete(f"{SESSIONS}/{session_id}", headers=auth_headers(user))
    assert response.status_code == 204
    assert response.data == b""
    assert not _signed_in(browser)
    browser.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert not _signed_in(browser)  # its remember-me cookie died with it
    [event] = _events(app, user, Event.SESSION_ENDED)
    assert event.detail == {"session": str(session_id), "via": "api"}


@pytest.mark.parametrize("session_id", ["987654321", "9223372036854775808", "1" * 30])
def test_ending_an_unknown_session_is_404(client, make_user, auth_headers, session_id):
    response = client.delete(f"{SESSIONS}/{session_id}", headers=auth_headers(make_user()))
    assert response.status_code == 404
    assert response.json == {"errors": {"session": ["session not found"]}, "code": "not_found"}


def test_ending_another_users_session_is_404_and_leaves_it(
    app, client, make_user, auth_headers, web_browser
):
    victim = make_user(email=EMAIL)
    browser = web_browser()
    [session_id] = _session_ids(app, victim)
    response = client.delete(f"{SESSIONS}/{session_id}", headers=auth_headers(make_user()))
    assert response.status_code == 404
    assert _signed_in(browser)


# --------------------------------------------------------------------------- token revocation


def test_revoking_tokens_hands_out_a_new_one_and_ends_the_old(
    app, client, make_user, auth_headers, web_browser
):
    user = make_user(email=EMAIL, bio="Hi")
    browser = web_browser()
    old = auth_headers(user)
    response = client.post(REVOKE, headers=old)
    assert response.status_code == 200
    fresh = response.json["user"]
    assert set(fresh) == {"email", "token", "username", "bio", "image"}
    assert (fresh["email"], fresh["username"], fresh["bio"]) == (EMAIL, user.username, "Hi")
    assert fresh["token"] != old["Authorization"].split()[1]

    refused = client.get(USER, headers=old)
    assert refused.status_code == 401
    assert refused.json == {
        "errors": {"token": ["token has been revoked"]},
        "code": "auth.required",
    }
    assert client.get(USER, headers={"Authorization": f"Token {fresh['token']}"}).status_code == 200
    assert not _signed_in(browser)  # web sessions carry the same version
    assert len(_events(app, user, Event.TOKENS_REVOKED)) == 1


# --------------------------------------------------------------------------- deletion


def test_deleting_with_a_wrong_password_is_422_and_deletes_nothing(
    app, client, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    response = _delete_user(client, headers, password="not my password")
    assert response.status_code == 422
    assert response.json == {"errors": {"password": ["is wrong"]}, "code": "request.invalid"}
    assert client.get(USER, headers=headers).status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).status == UserStatus.ACTIVE


@pytest.mark.parametrize(
    "body",
    [{}, {"user": {}}, {"user": {"password": ""}}, {"user": {"password": 5}}, {"user": "x"}],
)
def test_deleting_without_a_password_is_422(client, make_user, auth_headers, body):
    response = client.delete(USER, json=body, headers=auth_headers(make_user()))
    assert response.status_code == 422
    assert "errors" in response.json


def test_deleting_keeps_articles_under_deleted_user(
    app, client, make_user, make_article, auth_headers
):
    user = make_user(username="leaving", email=EMAIL)
    reader = make_user()
    article = make_article(user, title="Still here")
    theirs = make_article(reader)
    headers = auth_headers(user)
    comment = {"comment": {"body": "Well said"}}
    assert client.post(f"/api/v1/articles/{theirs.slug}/comments", json=comment, headers=headers)

    assert _delete_user(client, headers).status_code == 204

    assert client.get(USER, headers=headers).status_code == 401
    author = client.get(f"/api/v1/articles/{article.slug}").json["article"]["author"]
    assert author == {"username": "deleted user", "bio": "", "image": "", "following": False}
    [listed] = client.get(f"/api/v1/articles/{theirs.slug}/comments").json["comments"]
    assert listed["author"]["username"] == "deleted user"
    found = client.get("/api/v1/articles", query_string={"author": "leaving"}).json
    assert found["articlesCount"] == 0
    assert client.get("/api/v1/profiles/leaving").status_code == 404
    assert client.get(f"/api/v1/profiles/deleted-{user.id}").status_code == 404


def test_deleting_with_remove_content_deletes_the_articles(
    app, client, make_user, make_article, auth_headers
):
    user = make_user()
    article = make_article(user)
    with app.app_context():
        published = counters.read(PUBLISHED_ARTICLES)
    response = _delete_user(client, auth_headers(user), removeContent=True)
    assert response.status_code == 204
    assert client.get(f"/api/v1/articles/{article.slug}").status_code == 404
    with app.app_context():
        assert db.session.get(Article, article.id) is None
        assert counters.read(PUBLISHED_ARTICLES) == published - 1
    listed = client.get("/api/v1/articles").json
    assert listed["articlesCount"] == published - 1


def test_a_deleted_accounts_username_and_email_can_register_again(client, make_user, auth_headers):
    user = make_user(username="phoenix", email=EMAIL)
    assert _delete_user(client, auth_headers(user)).status_code == 204
    body = {"user": {"username": "phoenix", "email": EMAIL, "password": DEFAULT_PASSWORD}}
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == 201
    assert response.json["user"]["username"] == "phoenix"


def test_password_guessing_through_deletion_is_rate_limited(db, make_limited_app, make_user):
    limited = make_limited_app(RATELIMIT_SIGNIN="2/minute")
    limited.test_client_class = IsolatedClient
    client = limited.test_client()
    body = {"user": {"email": EMAIL, "password": DEFAULT_PASSWORD}}
    make_user(email=EMAIL)
    token = client.post("/api/v1/users/login", json=body).json["user"]["token"]
    headers = {"Authorization": f"Token {token}"}
    answers = [_delete_user(client, headers, password="guess").status_code for _ in range(3)]
    assert answers == [422, 422, 429]


# --------------------------------------------------------------------------- documentation


def test_the_account_routes_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert set(paths["/user/sessions"]["get"]["responses"]) >= {"200", "401"}
    assert set(paths["/user/sessions/{session_id}"]["delete"]["responses"]) >= {
        "204",
        "401",
        "404",
    }
    assert set(paths["/user/tokens/revoke"]["post"]["responses"]) >= {"200", "401"}
    deleting = paths["/user"]["delete"]
    assert set(deleting["responses"]) >= {"204", "401", "413", "422", "429"}
    assert "422" in deleting["description"]
    assert deleting["summary"] == "Delete the current user's account"
