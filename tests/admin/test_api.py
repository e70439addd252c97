"""User administration through the API: list and read accounts, set roles, suspend, reinstate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from inkstone.auth.models import AuditEvent, RoleName, User, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD

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
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def admin(make_user):
    return make_user(username="root", role=RoleName.ADMIN)


def _users(client, headers, query=""):
    response = client.get(f"/api/v1/users{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def _names(body):
    return [user["username"] for user in body["users"]]


def _aged(app, user, days):
    """Make ``user`` look ``days`` old, so the newest-first order is certain."""
    with app.app_context():
        db.session.get(User, user.id).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def _reload(app, user):
    with app.app_context():
        stored = db.session.get(User, user.id)
        _ = stored.roles
        return stored


def _put(client, headers, username, what, value):
    return client.put(f"/api/v1/users/{username}/{what}", json={what: value}, headers=headers)


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/users", None),
        ("GET", "/api/v1/users/mia", None),
        ("PUT", "/api/v1/users/mia/roles", {"roles": ["admin"]}),
        ("PUT", "/api/v1/users/mia/status", {"status": "suspended"}),
    ],
)
@pytest.mark.parametrize("role", [RoleName.READER, RoleName.AUTHOR, RoleName.MODERATOR])
def test_only_user_managers_may_use_the_user_api(
    app, client, make_user, auth_headers, method, path, body, role
):
    mia = make_user(username="mia")
    asker = make_user(role=role)
    anonymous = client.open(path, method=method, json=body)
    assert anonymous.status_code == 401
    refused = client.open(path, method=method, json=body, headers=auth_headers(asker))
    assert refused.status_code == 403
    assert refused.json == {
        "errors": {"scope": ["this needs the users:manage permission"]},
        "code": "auth.forbidden",
    }
    stored = _reload(app, mia)
    assert (stored.status, stored.role_names) == ("active", {"author"})


# --------------------------------------------------------------------------- list and read


def test_the_list_shows_every_account_newest_first_in_the_admin_shape(
    app, client, admin, make_user, auth_headers
):
    _aged(app, admin, 3)
    mia = make_user(username="mia", email="mia@example.org", bio="Hi", image="https://i.example/m")
    _aged(app, mia, 2)
    ned = make_user(username="ned", status=UserStatus.UNVERIFIED.value)
    _aged(app, ned, 1)
    body = _users(client, auth_headers(admin))
    assert _names(body) == ["ned", "mia", "root"]
    assert body["usersCount"] == 3
    listed = body["users"][1]
    assert set(listed) == USER_KEYS
    assert listed["id"] == str(mia.id)  # 64-bit ids are strings
    assert listed["email"] == "mia@example.org"
    assert (listed["bio"], listed["image"]) == ("Hi", "https://i.example/m")
    assert (listed["status"], listed["roles"], listed["emailConfirmed"]) == (
        "active",
        ["author"],
        True,
    )
    assert TIMESTAMP.match(listed["createdAt"])
    assert listed["lastLoginAt"] is None
    assert body["users"][0]["status"] == "unverified"
    assert body["users"][0]["emailConfirmed"] is False


def test_the_list_shows_the_last_sign_in_and_sorted_roles(
    app, client, admin, make_user, auth_headers
):
    make_user(username="mia", email="mia@example.org")
    signed_in = client.post(
        "/api/v1/users/login",
        json={"user": {"email": "mia@example.org", "password": DEFAULT_PASSWORD}},
    )
    assert signed_in.status_code == 200
    assert (
        _put(client, auth_headers(admin), "mia", "roles", ["reader", "moderator"]).status_code
        == 200
    )
    mia = _users(client, auth_headers(admin), "?q=mia")["users"][0]
    assert TIMESTAMP.match(mia["lastLoginAt"])
    assert mia["roles"] == ["moderator", "reader"]


def test_the_list_is_paged_with_the_total(app, client, admin, make_user, auth_headers):
    _aged(app, admin, 10)
    for n in range(5):
        _aged(app, make_user(username=f"page{n}"), 5 - n)
    headers = auth_headers(admin)
    first = _users(client, headers, "?limit=2")
    second = _users(client, headers, "?limit=2&offset=2")
    last = _users(client, headers, "?limit=2&offset=4")
    assert _names(first) == ["page4", "page3"]
    assert _names(second) == ["page2", "page1"]
    assert _names(last) == ["page0", "root"]
    assert first["usersCount"] == second["usersCount"] == last["usersCount"] == 6
    assert _users(client, headers, "?offset=50") == {"users": [], "usersCount": 6}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=suspended", ["sam"]),
        ("?status=unverified", ["uma"]),
        ("?role=moderator", ["moe"]),
        ("?role=admin", ["root"]),
        ("?q=MO", ["moe"]),  # username prefix, any case
        ("?q=samuel.", ["sam"]),  # email prefix
        ("?q=ex", []),  # a prefix, not a substring
        ("?role=author&status=active", ["ann"]),
    ],
)
def test_the_list_filters(app, client, admin, make_user, auth_headers, query, expected):
    make_user(username="sam", email="samuel.s@example.org", status=UserStatus.SUSPENDED.value)
    make_user(username="uma", status=UserStatus.UNVERIFIED.value, role=RoleName.READER)
    make_user(username="moe", role=RoleName.MODERATOR)
    make_user(username="ann")
    body = _users(client, auth_headers(admin), query)
    assert sorted(_names(body)) == expected
    assert body["usersCount"] == len(expected)


def test_the_prefix_search_takes_wildcards_literally(client, admin, make_user, auth_headers):
    make_user(username="a_b")
    make_user(username="axb")
    make_user(username="a%c")
    headers = auth_headers(admin)
    assert _names(_users(client, headers, "?q=a_")) == ["a_b"]
    assert _names(_users(client, headers, "?q=a%25")) == ["a%c"]


def test_deleted_accounts_are_listed_only_when_asked_for(
    app, client, admin, make_user, auth_headers
):
    gone = make_user(username="gone", status=UserStatus.DELETED.value)
    headers = auth_headers(admin)
    assert "gone" not in _names(_users(client, headers))
    assert _names(_users(client, headers, "?status=deleted")) == ["gone"]
    read = client.get("/api/v1/users/gone", headers=headers)
    assert read.status_code == 200
    assert read.json["user"]["id"] == str(gone.id)


@pytest.mark.parametrize(
    "query", ["?status=banned", "?role=emperor", "?q=", "?limit=0", "?offset=-1", "?q=a%00"]
)
def test_bad_filters_are_422(client, admin, auth_headers, query):
    response = client.get(f"/api/v1/users{query}", headers=auth_headers(admin))
    assert response.status_code == 422
    assert response.json["errors"]


def test_one_account_is_read_by_username_in_any_case(client, admin, make_user, auth_headers):
    mia = make_user(username="Mia")
    response = client.get("/api/v1/users/mIA", headers=auth_headers(admin))
    assert response.status_code == 200
    assert set(response.json["user"]) == USER_KEYS
    assert response.json["user"]["id"] == str(mia.id)
    missing = client.get("/api/v1/users/nobody", headers=auth_headers(admin))
    assert missing.status_code == 404
    assert missing.json == {"errors": {"username": ["user not found"]}, "code": "not_found"}


# --------------------------------------------------------------------------- roles


def test_an_admin_sets_roles_and_the_change_is_audited(app, client, admin, make_user, auth_headers):
    mia = make_user(username="mia")
    response = _put(client, auth_headers(admin), "mia", "roles", ["moderator", "reader"])
    assert response.status_code == 200
    assert response.json["user"]["roles"] == ["moderator", "reader"]
    assert _reload(app, mia).role_names == {"moderator", "reader"}
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "roles.changed"))
        assert (entry.user_id, entry.actor_id) == (mia.id, admin.id)
        assert entry.detail == {"before": ["author"], "after": ["moderator", "reader"]}


def test_new_roles_count_at_once_for_the_users_existing_token(
    client, admin, make_user, make_article, auth_headers
):
    mia = make_user(username="mia")
    headers = auth_headers(mia)
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert _put(client, auth_headers(admin), "mia", "roles", ["admin"]).status_code == 200
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    assert _put(client, auth_headers(admin), "mia", "roles", ["reader"]).status_code == 200
    article = client.post(
        "/api/v1/articles",
        json={"article": {"title": "T", "description": "D", "body": "B"}},
        headers=headers,
    )
    assert article.status_code == 403  # a reader no longer writes articles


@pytest.mark.parametrize(
    ("roles", "field"),
    [
        (["emperor"], "roles.0"),
        ([], "roles"),
        ("admin", "roles"),
        (None, "roles"),
        (["reader", "author", "moderator", "admin", "reader"], "roles"),
    ],
)
def test_bad_roles_are_422(app, client, admin, make_user, auth_headers, roles, field):
    mia = make_user(username="mia")
    response = _put(client, auth_headers(admin), "mia", "roles", roles)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert _reload(app, mia).role_names == {"author"}


def test_roles_of_an_unknown_user_are_404(client, admin, auth_headers):
    response = _put(client, auth_headers(admin), "nobody", "roles", ["reader"])
    assert response.status_code == 404


def test_the_last_admin_keeps_the_admin_role(app, client, admin, make_user, auth_headers):
    response = _put(client, auth_headers(admin), "root", "roles", ["author"])
    assert response.status_code == 409
    assert response.json == {
        "errors": {"roles": ["the site needs at least one admin who can sign in"]},
        "code": "conflict",
    }
    assert _reload(app, admin).role_names == {"admin"}
    # A suspended admin does not count: they cannot sign in to manage anything.
    make_user(username="sleeper", role=RoleName.ADMIN, status=UserStatus.SUSPENDED.value)
    assert _put(client, auth_headers(admin), "root", "roles", ["author"]).status_code == 409


def test_an_admin_may_step_down_when_another_remains(app, client, admin, make_user, auth_headers):
    other = make_user(username="deputy", role=RoleName.ADMIN)
    response = _put(client, auth_headers(admin), "root", "roles", ["author", "moderator"])
    assert response.status_code == 200
    assert _reload(app, admin).role_names == {"author", "moderator"}
    # …and the one left is now the last.
    assert _put(client, auth_headers(other), "deputy", "roles", ["author"]).status_code == 409


# --------------------------------------------------------------------------- status


def test_suspension_ends_the_users_tokens_and_sessions_at_once(
    app, client, admin, make_user, auth_headers, sign_in
):
    mia = make_user(username="mia")
    headers = auth_headers(mia)
    browser = app.test_client()
    sign_in(browser, mia)
    assert client.get("/api/v1/user", headers=headers).status_code == 200
    assert browser.get("/settings").status_code == 200
    response = _put(client, auth_headers(admin), "mia", "status", "suspended")
    assert response.status_code == 200
    assert response.json["user"]["status"] == "suspended"
    assert client.get("/api/v1/user", headers=headers).status_code == 401
    assert "/login" in browser.get("/settings").headers["Location"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "status.changed"))
        assert (entry.user_id, entry.actor_id) == (mia.id, admin.id)
        assert entry.detail == {"before": "active", "after": "suspended"}


def test_a_reinstated_user_signs_in_again_but_old_tokens_stay_dead(
    client, admin, make_user, auth_headers
):
    mia = make_user(username="mia", email="mia@example.org")
    old = auth_headers(mia)
    credentials = {"user": {"email": "mia@example.org", "password": DEFAULT_PASSWORD}}
    assert _put(client, auth_headers(admin), "mia", "status", "suspended").status_code == 200
    assert client.post("/api/v1/users/login", json=credentials).status_code == 401
    reinstated = _put(client, auth_headers(admin), "mia", "status", "active")
    assert reinstated.json["user"]["status"] == "active"
    assert client.post("/api/v1/users/login", json=credentials).status_code == 200
    assert client.get("/api/v1/user", headers=old).status_code == 401


@pytest.mark.parametrize("status", ["deleted", "unverified", "banned", "", None, 1])
def test_only_active_and_suspended_may_be_set(app, client, admin, make_user, auth_headers, status):
    mia = make_user(username="mia")
    response = _put(client, auth_headers(admin), "mia", "status", status)
    assert response.status_code == 422
    assert "status" in response.json["errors"]
    assert _reload(app, mia).status == "active"


def test_nobody_changes_their_own_status(app, client, admin, make_user, auth_headers):
    make_user(username="deputy", role=RoleName.ADMIN)  # not the last admin, still refused
    response = _put(client, auth_headers(admin), "ROOT", "status", "suspended")
    assert response.status_code == 409
    assert response.json == {
        "errors": {"status": ["you cannot change your own status"]},
        "code": "conflict",
    }
    assert _reload(app, admin).status == "active"


def test_an_admin_may_suspend_another_admin(app, client, admin, make_user, auth_headers):
    deputy = make_user(username="deputy", role=RoleName.ADMIN)
    assert _put(client, auth_headers(admin), "deputy", "status", "suspended").status_code == 200
    assert _reload(app, deputy).status == "suspended"


def test_a_deleted_account_is_not_changed(app, client, admin, make_user, auth_headers):
    gone = make_user(username="gone", status=UserStatus.DELETED.value)
    for what, value in (("status", "active"), ("roles", ["admin"])):
        response = _put(client, auth_headers(admin), "gone", what, value)
        assert response.status_code == 409
        assert response.json == {
            "errors": {"username": ["this account was deleted"]},
            "code": "conflict",
        }
    stored = _reload(app, gone)
    assert (stored.status, stored.role_names) == ("deleted", {"author"})


def test_status_of_an_unknown_user_is_404(client, admin, auth_headers):
    assert _put(client, auth_headers(admin), "nobody", "status", "active").status_code == 404


# --------------------------------------------------------------------------- the CLI obeys too


def test_the_cli_keeps_the_last_admin(app, cli_runner, admin):
    for args in (["set-role", "root", "author"], ["suspend", "root"]):
        result = cli_runner.invoke(args=["users", *args])
        assert result.exit_code == 1
        assert "the site needs at least one admin who can sign in" in result.output
        assert "Traceback" not in result.output
    stored = _reload(app, admin)
    assert (stored.status, stored.role_names) == ("active", {"admin"})


def test_the_cli_changes_admins_while_another_remains(app, cli_runner, admin, make_user):
    make_user(username="deputy", role=RoleName.ADMIN)
    assert cli_runner.invoke(args=["users", "suspend", "root"]).exit_code == 0
    assert _reload(app, admin).status == "suspended"


def test_the_users_list_still_matches_the_start_only(client, admin, make_user, auth_headers):
    make_user(username="alice", email="alice@example.org")
    make_user(username="malice", email="m@example.org")
    headers = auth_headers(admin)
    assert _names(_users(client, headers, "?q=ALI")) == ["alice"]
    # The back office's search (`/admin/users`) matches any part.
    found = client.get("/api/v1/admin/users?q=ALI", headers=headers)
    assert sorted(user["username"] for user in found.json["users"]) == ["alice", "malice"]
