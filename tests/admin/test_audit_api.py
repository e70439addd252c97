"""The audit log through the API: all events for ``users:read`` holders, your own for anyone."""

from __future__ import annotations

import re

import pytest

from inkstone.auth.models import RoleName
from tests.conftest import DEFAULT_PASSWORD

EVENT_KEYS = {"id", "event", "createdAt", "user", "actor", "ip", "userAgent", "detail"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def admin(make_user):
    return make_user(username="root", role=RoleName.ADMIN)


@pytest.fixture
def moderator(make_user):
    return make_user(username="mod", role=RoleName.MODERATOR)


def _login(client, email, password=DEFAULT_PASSWORD, ip="192.0.2.10", agent="Firefox/140"):
    return client.post(
        "/api/v1/users/login",
        json={"user": {"email": email, "password": password}},
        environ_base={"REMOTE_ADDR": ip},
        headers={"User-Agent": agent},
    )


def _events(client, headers, path="/api/v1/audit-events", query=""):
    response = client.get(f"{path}{query}", headers=headers)
    assert response.status_code == 200, response.json
    assert set(response.json) == {"auditEvents"}
    return response.json["auditEvents"]


def _kinds(events):
    return [entry["event"] for entry in events]


# --------------------------------------------------------------------------- everyone's events


@pytest.mark.parametrize("role", [RoleName.READER, RoleName.AUTHOR])
def test_reading_all_events_needs_users_read(client, make_user, auth_headers, role):
    assert client.get("/api/v1/audit-events").status_code == 401
    refused = client.get("/api/v1/audit-events", headers=auth_headers(make_user(role=role)))
    assert refused.status_code == 403
    assert refused.json == {
        "errors": {"scope": ["this needs the users:read permission"]},
        "code": "auth.forbidden",
    }


def test_moderators_read_every_accounts_events_newest_first(
    client, make_user, moderator, auth_headers
):
    make_user(username="mia", email="mia@example.org")
    assert _login(client, "mia@example.org", password="wrong password").status_code == 401
    assert _login(client, "mia@example.org", ip="198.51.100.4", agent="Curl/8").status_code == 200
    events = _events(client, auth_headers(moderator), query="?user=mia")
    assert _kinds(events)[:2] == ["signin.succeeded", "signin.failed"]
    succeeded, failed = events[0], events[1]
    assert set(succeeded) == EVENT_KEYS
    assert succeeded["id"].isdigit()  # 64-bit ids are strings
    assert TIMESTAMP.match(succeeded["createdAt"])
    assert (succeeded["user"], succeeded["actor"]) == ("mia", None)
    assert (succeeded["ip"], succeeded["userAgent"]) == ("198.51.100.4", "Curl/8")
    assert succeeded["detail"] == {"via": "api"}
    assert (failed["ip"], failed["userAgent"]) == ("192.0.2.10", "Firefox/140")
    assert failed["detail"] == {"email": "mia@example.org", "via": "api"}
    assert all(entry["user"] == "mia" for entry in events)


def test_a_failed_sign_in_with_an_unknown_email_names_no_account(client, moderator, auth_headers):
    assert _login(client, "nobody@example.org").status_code == 401
    events = _events(client, auth_headers(moderator), query="?event=signin.failed")
    assert len(events) == 1
    assert events[0]["user"] is None
    assert events[0]["detail"]["email"] == "nobody@example.org"


def test_events_name_the_actor_when_someone_else_acted(client, admin, make_user, auth_headers):
    make_user(username="mia")
    changed = client.put(
        "/api/v1/users/mia/roles", json={"roles": ["moderator"]}, headers=auth_headers(admin)
    )
    assert changed.status_code == 200
    (entry,) = _events(client, auth_headers(admin), query="?event=roles.changed")
    assert (entry["user"], entry["actor"]) == ("mia", "root")
    assert entry["detail"] == {"before": ["author"], "after": ["moderator"]}


def test_events_are_filtered_by_kind_and_paged(client, make_user, moderator, auth_headers):
    make_user(email="ann@example.org")
    for _ in range(3):
        _login(client, "ann@example.org", password="wrong password")
    _login(client, "ann@example.org")
    headers = auth_headers(moderator)
    failed = _events(client, headers, query="?event=signin.failed")
    assert _kinds(failed) == ["signin.failed"] * 3
    first = _events(client, headers, query="?event=signin.failed&limit=2")
    rest = _events(client, headers, query="?event=signin.failed&limit=2&offset=2")
    assert [e["id"] for e in first + rest] == [e["id"] for e in failed]
    assert len(rest) == 1  # a short page is the last


def test_a_filter_naming_nobody_matches_nothing(client, make_user, moderator, auth_headers):
    make_user(email="ann@example.org")
    _login(client, "ann@example.org")
    assert _events(client, auth_headers(moderator), query="?user=nobody") == []


@pytest.mark.parametrize(
    "query", ["?event=signin.maybe", "?limit=0", "?offset=-1", "?user=", "?event=a%00"]
)
def test_bad_filters_are_422(client, moderator, auth_headers, query):
    response = client.get(f"/api/v1/audit-events{query}", headers=auth_headers(moderator))
    assert response.status_code == 422
    assert response.json["errors"]


# --------------------------------------------------------------------------- your own events


def test_anyone_reads_their_own_events_and_only_theirs(client, make_user, auth_headers):
    make_user(username="ann", email="ann@example.org", role=RoleName.READER)
    bob = make_user(username="bob", email="bob@example.org")
    _login(client, "ann@example.org", password="wrong password")
    _login(client, "bob@example.org")
    token = _login(client, "ann@example.org").json["user"]["token"]
    mine = _events(client, {"Authorization": f"Token {token}"}, path="/api/v1/user/audit-events")
    assert _kinds(mine)[:2] == ["signin.succeeded", "signin.failed"]
    assert {entry["user"] for entry in mine} == {"ann"}
    theirs = _events(client, auth_headers(bob), path="/api/v1/user/audit-events")
    assert {entry["user"] for entry in theirs} == {"bob"}


def test_your_own_log_hides_the_address_of_whoever_else_acted(
    client, admin, make_user, auth_headers
):
    mia = make_user(username="mia")
    client.put(
        "/api/v1/users/mia/roles",
        json={"roles": ["moderator"]},
        headers={**auth_headers(admin), "User-Agent": "AdminBrowser/1"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    mine = _events(
        client, auth_headers(mia), path="/api/v1/user/audit-events", query="?event=roles.changed"
    )
    assert len(mine) == 1
    assert mine[0]["actor"] == "root"
    assert (mine[0]["ip"], mine[0]["userAgent"]) == ("", "")
    # The admin's log, read by an admin, keeps them.
    (full,) = _events(client, auth_headers(admin), query="?event=roles.changed")
    assert (full["ip"], full["userAgent"]) == ("203.0.113.9", "AdminBrowser/1")


def test_your_own_log_needs_a_token(client):
    response = client.get("/api/v1/user/audit-events")
    assert response.status_code == 401
    assert "errors" in response.json
