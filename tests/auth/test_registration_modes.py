"""Sign-up open, invite-only or closed: the page and the API agree, and other ways in stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from inkstone.auth.audit import Event
from inkstone.auth.invitations import Invitation, create_invitation, revoke_invitation
from inkstone.auth.models import AuditEvent, RoleName, User
from inkstone.core.db import utcnow
from inkstone.core.site import save_site_settings
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, count_rows, csrf_token, page_text, redirect_target

USERS = "/api/v1/users"


def _mode(app, mode):
    with app.app_context():
        save_site_settings(changes={"registration": mode}, actor_id=None)
        db.session.commit()


@pytest.fixture
def inviter(make_user):
    return make_user("root", role=RoleName.ADMIN)


@pytest.fixture
def invite(app, inviter):
    """Return a function making an invitation and returning its token."""

    def make(**changes):
        with app.app_context():
            actor = db.session.get(User, inviter.id)
            invitation, token = create_invitation(actor=actor)
            for key, value in changes.items():
                setattr(invitation, key, value)
            db.session.commit()
        return token

    return make


def _form(client, path="/register", **changes):
    data = {
        "csrf_token": csrf_token(client, "/login"),
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
        **changes,
    }
    return client.post(path, data=data)


def _api(client, **changes):
    user = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password": DEFAULT_PASSWORD,
        **changes,
    }
    return client.post(USERS, json={"user": user})


def _accounts(app, username="newcomer"):
    with app.app_context():
        return count_rows(User, User.username == username)


# --------------------------------------------------------------------------- open


def test_open_sign_up_needs_no_invitation_and_ignores_one(app, client):
    assert client.get("/register").status_code == 200
    assert _api(client, invitation="whatever").status_code == 201
    response = _form(client, username="second", email="second@example.org")
    assert redirect_target(response) == "/"


# --------------------------------------------------------------------------- closed


def test_closed_sign_up_page_is_403_and_says_so(app, client):
    _mode(app, "closed")
    response = client.get("/register")
    assert response.status_code == 403
    page = page_text(response)
    assert "Sign-up is closed" in page
    assert "Inkstone is not taking new accounts at the moment." in page
    assert 'name="password"' not in page
    response = _form(client)
    assert response.status_code == 403
    assert "Sign-up is closed" in page_text(response)
    assert _accounts(app) == 0


def test_closed_sign_up_through_the_api_is_403(app, client, invite):
    _mode(app, "closed")
    response = _api(client)
    assert response.status_code == 403
    assert response.json == {
        "errors": {"registration": ["registration is closed"]},
        "code": "auth.registration_closed",
    }
    # Not even with an invitation.
    assert _api(client, invitation=invite()).status_code == 403
    assert _accounts(app) == 0


def test_closed_sign_up_keeps_sign_in_the_cli_and_fixtures_working(
    app, client, cli_runner, make_user
):
    _mode(app, "closed")
    member = make_user("member")
    login = {"user": {"email": member.email, "password": DEFAULT_PASSWORD}}
    assert client.post("/api/v1/users/login", json=login).status_code == 200
    result = cli_runner.invoke(
        args=[
            "users",
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@example.org",
            "--password",
            DEFAULT_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert _accounts(app, "boss") == 1


# --------------------------------------------------------------------------- invite-only


def test_invite_only_without_a_token_is_403(app, client):
    _mode(app, "invite")
    response = client.get("/register")
    assert response.status_code == 403
    assert "Sign-up by invitation only" in page_text(response)
    assert _form(client).status_code == 403
    response = _api(client)
    assert response.status_code == 403
    assert response.json == {
        "errors": {"invitation": ["this site is invite-only: sign up with an invitation"]},
        "code": "auth.invitation_required",
    }
    assert _accounts(app) == 0


def test_a_valid_invitation_signs_up_once_on_the_page(app, client, invite):
    _mode(app, "invite")
    token = invite()
    page = client.get(f"/register?invite={token}")
    assert page.status_code == 200
    text = page_text(page)
    assert f'name="invitation" type="hidden" value="{token}"' in text
    assert "You were invited to join Inkstone." in text
    response = _form(client, invitation=token)
    assert redirect_target(response) == "/"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newcomer"))
        invitation = db.session.scalar(select(Invitation))
        assert invitation.used_by_id == user.id
        assert invitation.used_at is not None
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == Event.INVITATION_USED.value)
        )
        assert event.user_id == user.id
        assert event.detail["invitation_id"] == str(invitation.id)
    # A second person with the same link is refused.
    other = app.test_client()
    response = other.get(f"/register?invite={token}")
    assert response.status_code == 403
    assert "Invitation already used" in page_text(response)
    response = _form(other, username="second", email="second@example.org", invitation=token)
    assert response.status_code == 403
    assert _accounts(app, "second") == 0


def test_a_valid_invitation_signs_up_once_through_the_api(app, client, invite):
    _mode(app, "invite")
    token = invite()
    response = _api(client, invitation=token)
    assert response.status_code == 201
    assert response.json["user"]["username"] == "newcomer"
    again = _api(client, username="second", email="second@example.org", invitation=token)
    assert again.status_code == 403
    assert again.json == {
        "errors": {"invitation": ["this invitation has already been used"]},
        "code": "auth.invitation_used",
    }


def test_a_failed_sign_up_does_not_use_up_the_invitation(app, client, invite):
    _mode(app, "invite")
    token = invite()
    response = _api(client, password="short", invitation=token)
    assert response.status_code == 422
    _api(client)  # no token: refused
    assert _api(client, invitation=token).status_code == 201


@pytest.mark.parametrize(
    ("state", "page_says", "api_says"),
    [
        ("expired", "Invitation expired", "this invitation has expired"),
        ("revoked", "Invitation withdrawn", "this invitation has been revoked"),
        ("unknown", "Invitation not valid", "this invitation is not valid"),
        ("huge", "Invitation not valid", "this invitation is not valid"),
    ],
)
def test_expired_revoked_and_made_up_invitations_are_refused(
    app, client, invite, inviter, state, page_says, api_says
):
    _mode(app, "invite")
    if state == "expired":
        token = invite(expires_at=utcnow() - timedelta(seconds=1))
    elif state == "revoked":
        token = invite()
        with app.app_context():
            invitation = db.session.scalar(select(Invitation))
            revoke_invitation(invitation=invitation, actor=db.session.get(User, inviter.id))
            db.session.commit()
    elif state == "unknown":
        token = "A" * 43
    else:
        token = "A" * 1000
    response = client.get(f"/register?invite={token}")
    assert response.status_code == 403
    assert page_says in page_text(response)
    assert _form(client, invitation=token).status_code == 403
    response = _api(client, invitation=token)
    assert response.status_code == 403
    assert response.json == {
        "errors": {"invitation": [api_says]},
        "code": "auth.invitation_" + ("invalid" if state in ("unknown", "huge") else state),
    }
    assert _accounts(app) == 0


def test_a_token_past_the_api_limit_is_422(app, client):
    _mode(app, "invite")
    assert _api(client, invitation="A" * 2000).status_code == 422
