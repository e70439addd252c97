"""The invitations page: make an invitation (link shown once, or mailed), list them, revoke."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone.auth.audit import Event
from inkstone.auth.invitations import Invitation, hash_token
from inkstone.auth.models import AuditEvent
from inkstone.extensions import db
from tests.conftest import csrf_token, field_errors, page_text, redirect_target

PAGE = "/admin/invitations"
LINK = re.compile(
    r'id="invitation-link"[^>]*value="(http://127\.0\.0\.1:5000/register\?invite=[^"]+)"'
)


def outbox(app: Flask) -> list:
    """Return the messages ``app`` has sent (Flask-Mailman's locmem backend)."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox


@pytest.fixture
def mailbox(app, db):
    box = outbox(app)
    box.clear()
    return box


def _create(client, **fields):
    data = {"csrf_token": csrf_token(client, PAGE), "email": "", "note": "", "days": "7", **fields}
    return client.post(PAGE, data=data)


def _invitations(app):
    with app.app_context():
        return list(db.session.scalars(select(Invitation).order_by(Invitation.created_at)))


def _events(app, kind):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind.value)))


def test_visitors_sign_in_and_moderators_are_refused(client, moderator_client):
    assert redirect_target(client.get(PAGE)).startswith("/login")
    assert moderator_client.get(PAGE).status_code == 403
    token = csrf_token(moderator_client, "/settings")
    data = {"csrf_token": token, "days": "7"}
    assert moderator_client.post(PAGE, data=data).status_code == 403
    assert moderator_client.post(f"{PAGE}/1/revoke", data=data).status_code == 403


def test_the_link_is_shown_once_after_creating(app, admin_client, admin, mailbox):
    response = _create(admin_client, note="for Ada")
    assert redirect_target(response) == PAGE
    page = page_text(admin_client.get(PAGE))
    match = LINK.search(page)
    assert match, page
    token = match.group(1).rsplit("=", 1)[1]
    [invitation] = _invitations(app)
    assert invitation.token_hash == hash_token(token)
    assert invitation.note == "for Ada"
    assert "It is shown only once." in page
    assert "Pending" in page
    # A reload does not show it again, nor make another invitation.
    again = page_text(admin_client.get(PAGE))
    assert LINK.search(again) is None
    assert "for Ada" in again
    assert len(_invitations(app)) == 1
    assert mailbox == []
    [event] = _events(app, Event.INVITATION_CREATED)
    assert event.actor_id == admin.id


def test_an_invitation_to_an_address_is_mailed(app, admin_client, mailbox):
    _create(admin_client, email="ada@example.org", days="3")
    page = page_text(admin_client.get(PAGE))
    assert "The link was mailed to ada@example.org." in page
    link = LINK.search(page).group(1)
    [message] = mailbox
    assert message.to == ["ada@example.org"]
    assert link in message.body
    assert "for 3 days" in message.body
    [invitation] = _invitations(app)
    assert invitation.email == "ada@example.org"


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"days": "0"}, "days", "Use a number from 1 to 30."),
        ({"days": "31"}, "days", "Use a number from 1 to 30."),
        ({"days": "99999999999999999999999"}, "days", "Use a number from 1 to 30."),
        ({"days": "soon"}, "days", None),
        ({"email": "nobody"}, "email", "Enter a valid email address, like name@example.com."),
        ({"note": "x" * 201}, "note", "Use at most 200 characters."),
    ],
)
def test_bad_fields_are_shown_and_nothing_is_made(app, admin_client, fields, name, message):
    response = _create(admin_client, **fields)
    assert response.status_code == 200
    errors = field_errors(response, name)
    assert errors
    if message:
        assert message in errors
    assert _invitations(app) == []


def test_creating_without_a_csrf_token_is_refused(app, admin_client):
    response = admin_client.post(PAGE, data={"days": "7"})
    assert response.status_code == 400
    assert _invitations(app) == []


def test_revoking_an_invitation(app, admin_client, admin):
    _create(admin_client, note="for Ada")
    admin_client.get(PAGE)  # the page that shows the link once
    [invitation] = _invitations(app)
    token = csrf_token(admin_client, PAGE)
    response = admin_client.post(f"{PAGE}/{invitation.id}/revoke", data={"csrf_token": token})
    assert redirect_target(response) == PAGE
    page = page_text(admin_client.get(PAGE))
    assert "The invitation was revoked: its link no longer works." in page
    assert "Revoked" in page
    [stored] = _invitations(app)
    assert stored.revoked_at is not None
    [event] = _events(app, Event.INVITATION_REVOKED)
    assert event.actor_id == admin.id
    # Without a CSRF token nothing happens.
    assert admin_client.post(f"{PAGE}/{invitation.id}/revoke").status_code == 400


@pytest.mark.parametrize("raw", ["0", "12345", str(2**63), str(2**64), "abc", "-5", "١"])
def test_revoking_an_unknown_invitation_is_404(admin_client, raw):
    token = csrf_token(admin_client, PAGE)
    response = admin_client.post(f"{PAGE}/{raw}/revoke", data={"csrf_token": token})
    assert response.status_code == 404


def test_the_page_says_how_sign_up_works_now(admin_client):
    assert "Sign-up is open to everyone" in page_text(admin_client.get(PAGE))
    data = {
        "csrf_token": csrf_token(admin_client, "/admin/settings"),
        "site_name": "Inkstone",
        "registration": "invite",
        "default_language": "",
    }
    admin_client.post("/admin/settings", data=data)
    assert "Sign-up is invite-only" in page_text(admin_client.get(PAGE))


def test_a_long_list_is_paged(app, admin_client, admin):
    from inkstone.auth.invitations import create_invitation
    from inkstone.auth.models import User

    with app.app_context():
        actor = db.session.get(User, admin.id)
        for n in range(51):
            create_invitation(actor=actor, note=f"note {n}")
        db.session.commit()
    page = page_text(admin_client.get(PAGE))
    assert "51 invitations, newest first" in page
    assert 'href="/admin/invitations?page=2"' in page
    assert page_text(admin_client.get(f"{PAGE}?page=2")).count("note ") == 1
    assert admin_client.get(f"{PAGE}?page=999999999999").status_code == 200
