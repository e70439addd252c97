"""The back office's people API: search, a person's actions, bulk actions; scopes and audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone.articles.models import Article
from inkstone.auth.audit import Event
from inkstone.auth.models import AuditEvent, RoleName, User, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db

API = "/api/v1/admin/users"
USER_KEYS = {
    "id",
    "username",
    "email",
    "bio",
    "image",
    "status",
    "roles",
    "createdAt",
    "lastLoginAt",
    "emailConfirmed",
}


@pytest.fixture
def mailbox(app: Flask, db) -> list:
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    state.outbox.clear()
    return state.outbox


@pytest.fixture
def headers(admin, auth_headers):
    return auth_headers(admin)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [user["username"] for user in response.json["users"]]


def _reload(app, user) -> User:
    with app.app_context():
        stored = db.session.get(User, user.id)
        _ = stored.roles
        db.session.expunge(stored)
        return stored


def _events(app, user, event: Event) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(
            AuditEvent.user_id == user.id, AuditEvent.event == event.value
        )
        return list(db.session.scalars(query))


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", API, None),
        ("POST", f"{API}/mia/sign-out", None),
        ("POST", f"{API}/mia/password-reset", None),
        ("POST", f"{API}/mia/confirmation", None),
        ("DELETE", f"{API}/mia", None),
        ("POST", f"{API}/bulk", {"usernames": ["mia"], "action": "suspend"}),
    ],
)
@pytest.mark.parametrize("role", [RoleName.AUTHOR, RoleName.MODERATOR])
def test_only_user_managers_may_use_it(
    app, client, make_user, auth_headers, method, path, body, role
):
    mia = make_user(username="mia")
    assert client.open(path, method=method, json=body).status_code == 401
    refused = client.open(
        path, method=method, json=body, headers=auth_headers(make_user(role=role))
    )
    assert refused.status_code == 403
    assert refused.json == {
        "errors": {"scope": ["this needs the users:manage permission"]},
        "code": "auth.forbidden",
    }
    stored = _reload(app, mia)
    assert (stored.status, stored.token_version) == ("active", 0)


# --------------------------------------------------------------------------- search


def test_search_is_a_substring_in_the_shape_of_the_users_list(client, admin, headers, make_user):
    make_user(username="alice", email="a@example.org")
    make_user(username="bob", email="bob@ALICE.example")
    make_user(username="carol")
    found = client.get(f"{API}?q=LIC", headers=headers)
    assert sorted(_names(found)) == ["alice", "bob"]
    assert found.json["usersCount"] == 2
    assert set(found.json["users"][0]) == USER_KEYS
    # The older list keeps matching the start only.
    assert _names(client.get("/api/v1/users?q=lic", headers=headers)) == []
    assert _names(client.get(f"{API}?q=_", headers=headers)) == []  # wildcards are literal


def test_filters_and_sorts(app, client, admin, headers, make_user):
    with app.app_context():
        db.session.get(User, admin.id).created_at = utcnow() - timedelta(days=9)
        db.session.commit()
    make_user(username="zed", role=RoleName.MODERATOR)
    make_user(username="amy", status=UserStatus.UNVERIFIED.value)
    make_user(username="sus", status=UserStatus.SUSPENDED.value)
    assert _names(client.get(f"{API}?role=moderator", headers=headers)) == ["zed"]
    assert _names(client.get(f"{API}?status=suspended", headers=headers)) == ["sus"]
    assert _names(client.get(f"{API}?confirmed=false", headers=headers)) == ["amy"]
    assert _names(client.get(f"{API}?sort=username", headers=headers)) == [
        "amy",
        "root",
        "sus",
        "zed",
    ]
    assert _names(client.get(f"{API}?sort=oldest&limit=1", headers=headers)) == ["root"]
    paged = client.get(f"{API}?sort=username&limit=2&offset=2", headers=headers)
    assert (_names(paged), paged.json["usersCount"]) == (["sus", "zed"], 4)


@pytest.mark.parametrize(
    "query",
    [
        "?sort=bogus",
        "?role=emperor",
        "?status=gone",
        "?confirmed=perhaps",
        "?limit=abc",
        "?limit=0",
        "?offset=-1",
        "?offset=" + "9" * 40,
        "?q=" + "a" * 255,
        "?q=",
    ],
)
def test_malformed_filters_are_422(client, admin, headers, query):
    response = client.get(API + query, headers=headers)
    assert response.status_code == 422, response.json
    assert "errors" in response.json


# --------------------------------------------------------------------------- one person


def test_sign_out_ends_every_session_and_token(
    app, client, admin, headers, make_user, auth_headers
):
    mia = make_user(username="mia")
    theirs = auth_headers(mia)
    done = client.post(f"{API}/mia/sign-out", headers=headers)
    assert done.status_code == 200
    assert done.json["user"]["username"] == "mia"
    assert client.get("/api/v1/user", headers=theirs).status_code == 401
    [event] = _events(app, mia, Event.SESSIONS_ENDED)
    assert event.actor_id == admin.id


def test_password_reset_mails_a_link(app, client, admin, headers, make_user, mailbox):
    mia = make_user(username="mia", email="mia@example.org")
    assert client.post(f"{API}/mia/password-reset", headers=headers).status_code == 200
    assert [message.to for message in mailbox] == [["mia@example.org"]]
    [event] = _events(app, mia, Event.PASSWORD_RESET_REQUESTED)
    assert event.actor_id == admin.id
    make_user(username="sus", status=UserStatus.SUSPENDED.value)
    refused = client.post(f"{API}/sus/password-reset", headers=headers)
    assert refused.status_code == 409
    assert len(mailbox) == 1


def test_confirmation_is_resent_only_for_an_unconfirmed_address(
    app, client, admin, headers, make_user, mailbox
):
    new = make_user(username="new", email="new@example.org", status=UserStatus.UNVERIFIED.value)
    mailbox.clear()
    sent = client.post(f"{API}/new/confirmation", headers=headers)
    assert sent.status_code == 200
    assert sent.json["user"]["emailConfirmed"] is False
    assert [message.to for message in mailbox] == [["new@example.org"]]
    [event] = _events(app, new, Event.CONFIRMATION_RESENT)
    assert event.actor_id == admin.id
    make_user(username="mia")
    refused = client.post(f"{API}/mia/confirmation", headers=headers)
    assert refused.status_code == 409
    assert refused.json == {
        "errors": {"email": ["this address is already confirmed"]},
        "code": "conflict",
    }
    assert len(mailbox) == 1


def test_delete_keeps_or_removes_the_writing(app, client, admin, headers, make_user, make_article):
    mia, ned = make_user(username="mia"), make_user(username="ned")
    kept, removed = make_article(mia), make_article(ned)
    assert client.delete(f"{API}/mia", headers=headers).status_code == 204  # keep: the default
    assert client.delete(f"{API}/ned?content=remove", headers=headers).status_code == 204
    with app.app_context():
        assert db.session.get(Article, kept.id) is not None
        assert db.session.get(Article, removed.id) is None
    assert (_reload(app, mia).status, _reload(app, ned).status) == ("deleted", "deleted")
    [event] = _events(app, ned, Event.ACCOUNT_DELETED)
    assert (event.actor_id, event.detail["removed_content"]) == (admin.id, True)
    again = client.delete(f"{API}/deleted-{mia.id}", headers=headers)
    assert again.status_code == 409


def test_delete_refuses_yourself_and_bad_input(app, client, admin, headers, make_user):
    own = client.delete(f"{API}/root", headers=headers)
    assert own.status_code == 409
    assert own.json == {
        "errors": {"username": ["you cannot do this to your own account here"]},
        "code": "conflict",
    }
    make_user(username="mia")
    assert client.delete(f"{API}/mia?content=all", headers=headers).status_code == 422
    assert _reload(app, admin).status == "active"


@pytest.mark.parametrize("username", ["nobody", "x" * 1000, "%00"])
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("POST", "/sign-out"), ("POST", "/password-reset"), ("POST", "/confirmation"), ("DELETE", "")],
)
def test_unknown_or_absurd_usernames_are_404(client, admin, headers, username, method, suffix):
    response = client.open(f"{API}/{username}{suffix}", method=method, headers=headers)
    assert response.status_code == 404


# --------------------------------------------------------------------------- bulk


def test_bulk_reports_per_person_and_applies_to_the_rest(
    app, client, admin, headers, make_user, auth_headers
):
    mia = make_user(username="mia")
    theirs = auth_headers(mia)
    body = {"usernames": ["mia", "root", "nobody", "MIA"], "action": "suspend"}
    response = client.post(f"{API}/bulk", json=body, headers=headers)
    assert response.status_code == 200, response.json
    results = {result["username"]: result for result in response.json["results"]}
    assert list(results) == ["mia", "root", "nobody"]  # repeats (in any case) count once
    assert results["mia"]["ok"] is True
    assert results["mia"]["errors"] is None
    assert results["mia"]["user"]["status"] == "suspended"
    assert results["root"]["ok"] is False
    assert results["root"]["errors"] == {
        "username": ["you cannot do this to your own account here"]
    }
    assert results["root"]["user"]["status"] == "active"
    assert results["nobody"] == {
        "username": "nobody",
        "ok": False,
        "user": None,
        "errors": {"username": ["user not found"]},
    }
    assert _reload(app, admin).status == "active"
    assert client.get("/api/v1/user", headers=theirs).status_code == 401  # suspended: 401
    [event] = _events(app, mia, Event.STATUS_CHANGED)
    assert event.actor_id == admin.id


def test_bulk_set_role_and_reinstate(app, client, admin, headers, make_user):
    ada = make_user(username="ada", role=RoleName.ADMIN)
    sus = make_user(username="sus", status=UserStatus.SUSPENDED.value)
    body = {"usernames": ["ada", "sus"], "action": "set-role", "role": "reader"}
    response = client.post(f"{API}/bulk", json=body, headers=headers)
    assert [result["ok"] for result in response.json["results"]] == [True, True]
    assert _reload(app, ada).role_names == {"reader"}  # root is still an admin
    reinstate = {"usernames": ["sus", "ada"], "action": "reinstate"}
    assert client.post(f"{API}/bulk", json=reinstate, headers=headers).status_code == 200
    assert (_reload(app, sus).status, _reload(app, ada).status) == ("active", "active")


@pytest.mark.parametrize(
    "body",
    [
        {"usernames": [f"u{n}" for n in range(101)], "action": "suspend"},
        {"usernames": [], "action": "suspend"},
        {"usernames": ["mia"], "action": "explode"},
        {"usernames": ["mia"], "action": "set-role"},
        {"usernames": ["mia"], "action": "set-role", "role": "emperor"},
        {"usernames": ["x" * 1000], "action": "suspend"},
        {"usernames": "mia", "action": "suspend"},
        {"usernames": [1, 2], "action": "suspend"},
    ],
)
def test_bulk_refuses_bad_bodies(app, client, admin, headers, make_user, body):
    mia = make_user(username="mia")
    response = client.post(f"{API}/bulk", json=body, headers=headers)
    assert response.status_code == 422, response.json
    assert _reload(app, mia).status == "active"


def test_bulk_never_takes_admin_from_the_last_admin(app, client, admin, headers, make_user):
    make_user(username="mia")
    body = {"usernames": ["root", "mia"], "action": "set-role", "role": "reader"}
    response = client.post(f"{API}/bulk", json=body, headers=headers)
    assert [result["ok"] for result in response.json["results"]] == [False, True]
    assert _reload(app, admin).role_names == {"admin"}  # the only admin: themselves, left alone
    with app.app_context():
        from inkstone.admin import services
        from inkstone.core.errors import Conflict

        # Whoever acts, the rule holds for the last admin who can sign in.
        root = db.session.get(User, admin.id)
        with pytest.raises(Conflict, match="at least one admin"):
            services.change_roles(user=root, roles=[RoleName.READER], actor=None)
        with pytest.raises(Conflict, match="at least one admin"):
            services.delete_person(user=root, remove_content=False, actor=make_user("x"))
