"""The site settings and invitations API: read, change, scopes, bad input."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from inkstone.auth.audit import Event
from inkstone.auth.invitations import Invitation
from inkstone.auth.models import AuditEvent
from inkstone.extensions import db
from tests.conftest import page_text

SETTINGS = "/api/v1/admin/settings"
INVITATIONS = "/api/v1/admin/invitations"
DEFAULTS = {
    "siteName": "Inkstone",
    "tagline": "",
    "registration": "open",
    "requireEmailConfirmation": False,
    "announcement": "",
    "announcementHtml": "",
    "defaultLanguage": "",
    "commentsEnabled": True,
    "requireTwoFactorForStaff": False,
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def headers(admin, auth_headers):
    return auth_headers(admin)


def _events(app, kind):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind.value)))


# --------------------------------------------------------------------------- settings


def test_reading_the_settings(client, headers):
    response = client.get(SETTINGS, headers=headers)
    assert response.status_code == 200
    assert response.json == {"settings": DEFAULTS}


def test_changing_some_settings_keeps_the_others(app, client, headers, admin):
    body = {"settings": {"siteName": "  Brushwood ", "commentsEnabled": False}}
    response = client.put(SETTINGS, json=body, headers=headers)
    assert response.status_code == 200
    expected = {**DEFAULTS, "siteName": "Brushwood", "commentsEnabled": False}
    assert response.json == {"settings": expected}
    assert client.get(SETTINGS, headers=headers).json == {"settings": expected}
    [event] = _events(app, Event.SITE_SETTINGS_CHANGED)
    assert event.actor_id == admin.id
    assert event.detail["changed"] == ["comments_enabled", "site_name"]
    # The comments flag round-trips.
    body = {"settings": {"commentsEnabled": True}}
    assert client.put(SETTINGS, json=body, headers=headers).json["settings"]["commentsEnabled"]
    assert "Brushwood</title>" in page_text(client.get("/"))


def test_the_announcement_comes_back_rendered_and_sanitised(client, headers):
    body = {"settings": {"announcement": "Hello *all* <script>x()</script>"}}
    settings = client.put(SETTINGS, json=body, headers=headers).json["settings"]
    assert settings["announcement"] == "Hello *all* <script>x()</script>"
    assert "<em>all</em>" in settings["announcementHtml"]
    assert "<script" not in settings["announcementHtml"]
    cleared = client.put(SETTINGS, json={"settings": {"announcement": ""}}, headers=headers)
    assert cleared.json["settings"]["announcementHtml"] == ""


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"siteName": "x" * 81}, "siteName"),
        ({"siteName": ""}, "siteName"),
        ({"siteName": "   "}, "siteName"),
        ({"siteName": 5}, "siteName"),
        ({"tagline": "x" * 201}, "tagline"),
        ({"announcement": "x" * 2001}, "announcement"),
        ({"announcement": None}, "announcement"),
        ({"registration": "sometimes"}, "registration"),
        ({"registration": ["open"]}, "registration"),
        ({"defaultLanguage": "fr"}, "defaultLanguage"),
        ({"commentsEnabled": "yes"}, "commentsEnabled"),
        ({"requireEmailConfirmation": 1}, "requireEmailConfirmation"),
        ({"siteName": "a\x00b"}, "siteName"),
    ],
)
def test_bad_values_are_422_and_change_nothing(client, headers, settings, field):
    response = client.put(SETTINGS, json={"settings": settings}, headers=headers)
    assert response.status_code == 422
    assert field in str(response.json["errors"])
    assert client.get(SETTINGS, headers=headers).json == {"settings": DEFAULTS}


@pytest.mark.parametrize("body", [{}, {"settings": "open"}, {"settings": None}, [1]])
def test_a_malformed_body_is_422(client, headers, body):
    assert client.put(SETTINGS, json=body, headers=headers).status_code == 422


def test_settings_need_the_site_configure_scope(client, moderator, auth_headers):
    mod = auth_headers(moderator)
    assert client.get(SETTINGS).status_code == 401
    assert client.get(SETTINGS, headers=mod).status_code == 403
    body = {"settings": {"siteName": "Mine"}}
    assert client.put(SETTINGS, json=body, headers=mod).status_code == 403
    assert client.post(INVITATIONS, json={}, headers=mod).status_code == 403
    assert client.get(INVITATIONS, headers=mod).status_code == 403
    assert client.delete(f"{INVITATIONS}/1", headers=mod).status_code == 403


# --------------------------------------------------------------------------- invitations


def test_creating_an_invitation_shows_its_link_once(app, client, headers, admin):
    body = {"invitation": {"note": "for Ada", "expiresInDays": 3}}
    response = client.post(INVITATIONS, json=body, headers=headers)
    assert response.status_code == 201
    made = response.json["invitation"]
    assert made["url"] == f"http://127.0.0.1:5000/register?invite={made['token']}"
    assert len(made["token"]) >= 43
    assert made["note"] == "for Ada"
    assert made["email"] == ""
    assert made["state"] == "pending"
    assert made["createdBy"] == "root"
    assert made["usedBy"] is None
    assert TIMESTAMP.match(made["expiresAt"])
    with app.app_context():
        stored = db.session.get(Invitation, int(made["id"]))
        assert stored.token_hash == hashlib.sha256(made["token"].encode()).hexdigest()
        assert (stored.expires_at - stored.created_at).days == 3
    [event] = _events(app, Event.INVITATION_CREATED)
    assert event.actor_id == admin.id
    listed = client.get(INVITATIONS, headers=headers).json
    assert listed["invitationsCount"] == 1
    assert "token" not in listed["invitations"][0]
    assert "url" not in listed["invitations"][0]


def test_an_empty_request_makes_a_seven_day_invitation(app, client, headers):
    made = client.post(INVITATIONS, json={}, headers=headers).json["invitation"]
    with app.app_context():
        stored = db.session.get(Invitation, int(made["id"]))
        assert (stored.expires_at - stored.created_at).days == 7


@pytest.mark.parametrize(
    "fields",
    [
        {"expiresInDays": 0},
        {"expiresInDays": 31},
        {"expiresInDays": "7"},
        {"expiresInDays": 7.5},
        {"email": "not-an-address"},
        {"email": "x" * 300 + "@example.org"},
        {"note": "x" * 201},
        {"note": 5},
    ],
)
def test_bad_invitations_are_422(app, client, headers, fields):
    response = client.post(INVITATIONS, json={"invitation": fields}, headers=headers)
    assert response.status_code == 422
    assert client.get(INVITATIONS, headers=headers).json["invitationsCount"] == 0


def test_a_number_past_64_bits_is_422(client, headers):
    body = '{"invitation": {"expiresInDays": 1180591620717411303424}}'
    response = client.post(INVITATIONS, data=body, headers=headers, content_type="application/json")
    assert response.status_code == 422


def test_listing_is_newest_first_with_states(client, headers):
    first = client.post(INVITATIONS, json={"invitation": {"note": "one"}}, headers=headers)
    second = client.post(INVITATIONS, json={"invitation": {"note": "two"}}, headers=headers)
    client.delete(f"{INVITATIONS}/{first.json['invitation']['id']}", headers=headers)
    listed = client.get(INVITATIONS, headers=headers).json["invitations"]
    assert [(item["note"], item["state"]) for item in listed] == [
        ("two", "pending"),
        ("one", "revoked"),
    ]
    assert listed[0]["id"] == second.json["invitation"]["id"]
    paged = client.get(f"{INVITATIONS}?limit=1&offset=1", headers=headers).json
    assert [item["note"] for item in paged["invitations"]] == ["one"]
    assert paged["invitationsCount"] == 2


def test_revoking_an_invitation(app, client, headers, admin):
    made = client.post(INVITATIONS, json={}, headers=headers).json["invitation"]
    response = client.delete(f"{INVITATIONS}/{made['id']}", headers=headers)
    assert response.status_code == 200
    assert response.json["invitation"]["state"] == "revoked"
    assert TIMESTAMP.match(response.json["invitation"]["revokedAt"])
    again = client.delete(f"{INVITATIONS}/{made['id']}", headers=headers)
    assert again.status_code == 200
    [event] = _events(app, Event.INVITATION_REVOKED)
    assert event.actor_id == admin.id
    assert event.detail["invitation_id"] == made["id"]


@pytest.mark.parametrize("raw", ["0", "999", str(2**63), str(2**64), "abc", "-1", "١٢"])
def test_unknown_invitation_ids_are_404(client, headers, raw):
    assert client.delete(f"{INVITATIONS}/{raw}", headers=headers).status_code == 404


def test_a_used_invitation_cannot_be_revoked(client, headers):
    settings = {"settings": {"registration": "invite"}}
    client.put(SETTINGS, json=settings, headers=headers)
    made = client.post(INVITATIONS, json={}, headers=headers).json["invitation"]
    user = {
        "username": "ada",
        "email": "ada@example.org",
        "password": "a long enough password",
        "invitation": made["token"],
    }
    assert client.post("/api/v1/users", json={"user": user}).status_code == 201
    response = client.delete(f"{INVITATIONS}/{made['id']}", headers=headers)
    assert response.status_code == 409
    listed = client.get(INVITATIONS, headers=headers).json["invitations"]
    assert listed[0]["state"] == "used"
    assert listed[0]["usedBy"] == "ada"
