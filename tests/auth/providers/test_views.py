"""Third-party sign-in end to end against a real OpenID Connect provider on loopback.

Our side runs in Flask's test client; the provider (oidc-provider-mock) is a real server in
a thread, reached with ``requests`` as a browser would: our redirect leads to its page, its
form sends the browser back with a code and the state, and our callback takes it from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import flask_migrate  # noqa: F401  (the session app has migrated the database already)
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from inkstone import create_app
from inkstone.auth.audit import Event
from inkstone.auth.factors import ExternalIdentity, TotpDevice
from inkstone.auth.models import AuditEvent, User
from inkstone.core.db import utcnow
from inkstone.core.site import forget_site_settings, save_site_settings
from inkstone.extensions import db as _db
from tests.auth.providers.mock import (
    authorize,
    deny,
    mock_issuer,
    provider_settings,
    set_claims,
    unused_port,
)
from tests.conftest import IsolatedClient, app_config, csrf_token, page_text, redirect_target


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with mock_issuer() as url:
        yield url


@pytest.fixture(scope="module")
def oidc_app(
    app: Flask, issuer: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The site with two providers: the mock, and "Down" (an issuer nobody answers at)."""
    down = f"http://localhost:{unused_port()}"
    settings = {**provider_settings(issuer), **provider_settings(down, "DOWN")}
    made = create_app(app_config(tmp_path_factory.mktemp("oidc"), database_url, **settings))
    made.test_client_class = IsolatedClient
    yield made
    with made.app_context():
        _db.engine.dispose()


@pytest.fixture
def client(oidc_app: Flask, db: Any) -> Iterator[Any]:
    with oidc_app.app_context():
        forget_site_settings()  # this app keeps its own copy; a test's changes roll back
    yield oidc_app.test_client()
    with oidc_app.app_context():
        forget_site_settings()


_subjects = iter(range(1, 10_000))


def person(issuer: str, **claims: Any) -> str:
    """Make a provider account (verified address unless told) and return its subject."""
    sub = f"person-{next(_subjects)}"
    claims.setdefault("email", f"{sub}@example.net")
    claims.setdefault("email_verified", True)
    set_claims(issuer, sub, **claims)
    return sub


def start(client: Any, path: str = "/login/with/mock", next: str = "", **form: str) -> str:
    """Press "Continue with Mock" (or another POST that starts a trip); return the provider URL."""
    path += f"?next={next}" if next else ""
    answer = client.post(path, data={"csrf_token": csrf_token(client), **form})
    assert answer.status_code == 302, page_text(answer)[:300]
    location = answer.headers["Location"]
    assert location.startswith("http://localhost:")
    assert "/oauth2/authorize" in location
    return location


def come_back(client: Any, location: str) -> Any:
    """Follow the provider's redirect back to our callback."""
    parts = urlsplit(location)
    assert parts.path == "/login/with/mock/callback"
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_mock(client: Any, issuer: str, sub: str, **form: str) -> Any:
    return come_back(client, authorize(start(client, **form), sub))


def sign_out(client: Any) -> None:
    token = csrf_token(client, "/settings/connected-accounts")
    assert redirect_target(client.post("/logout", data={"csrf_token": token})) == "/"


def whoami(client: Any) -> str | None:
    """Return the username the site shows as signed in, or None."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def events_of(oidc_app: Flask, kind: Event, user_id: int) -> list[dict[str, Any]]:
    with oidc_app.app_context():
        rows = _db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == kind.value, AuditEvent.user_id == user_id)
        )
        return [dict(row.detail) for row in rows]


def account(oidc_app: Flask, **where: Any) -> User | None:
    with oidc_app.app_context():
        found = _db.session.scalar(select(User).filter_by(**where))
        if found is not None:
            _db.session.expunge(found)
        return found


# --------------------------------------------------------------------------- sign up, sign in


def test_sign_up_then_sign_in_again_reaches_the_same_account(oidc_app, client, issuer):
    sub = person(issuer, email="Ada@Example.net", preferred_username="ada lovelace")
    answer = sign_in_with_mock(client, issuer, sub)
    assert redirect_target(answer) == "/"
    user = account(oidc_app, email="ada@example.net")
    assert user is not None
    assert user.username == "ada-lovelace"
    assert user.status == "active"
    assert user.email_confirmed_at is not None
    assert user.password_hash == ""  # no password until its owner sets one
    assert "Welcome to" in page_text(client.get("/"))

    sign_out(client)
    assert whoami(client) is None
    answer = sign_in_with_mock(client, issuer, sub, next="/settings/connected-accounts")
    assert redirect_target(answer) == "/settings/connected-accounts"
    page = page_text(client.get("/settings/connected-accounts"))
    assert "ada@example.net" in page
    assert "Linked" in page
    with oidc_app.app_context():
        assert (
            _db.session.scalar(
                select(_db.func.count(User.id)).where(User.email == "ada@example.net")
            )
            == 1
        )
    signed_in = events_of(oidc_app, Event.SIGNIN_SUCCEEDED, user.id)
    assert {"via": "provider:mock", "provider_name": "Mock"} in signed_in
    assert len(signed_in) == 2
    linked = events_of(oidc_app, Event.PROVIDER_LINKED, user.id)
    assert linked == [{"provider": "mock", "provider_name": "Mock"}]


def test_a_taken_username_gets_a_number(oidc_app, client, issuer, make_user):
    make_user("grace")
    sub = person(issuer, preferred_username="grace")
    assert redirect_target(sign_in_with_mock(client, issuer, sub)) == "/"
    user = account(oidc_app, email=f"{sub}@example.net")
    assert user is not None
    assert user.username.startswith("grace-")


def test_an_existing_address_is_never_merged(oidc_app, client, issuer, make_user):
    owner = make_user("owner", email="owner@example.org")
    sub = person(issuer, email="owner@example.org")
    answer = sign_in_with_mock(client, issuer, sub)
    assert answer.status_code == 409
    text = page_text(answer)
    assert "You already have an account" in text
    assert "Connected accounts" in text
    assert 'href="/reset"' in text
    assert whoami(client) is None
    with oidc_app.app_context():
        assert (
            _db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.subject == sub))
            is None
        )
    assert events_of(oidc_app, Event.SIGNIN_SUCCEEDED, owner.id) == []


def test_an_unverified_address_makes_no_account(oidc_app, client, issuer):
    sub = person(issuer, email_verified=False)
    answer = sign_in_with_mock(client, issuer, sub)
    assert answer.status_code == 400
    assert "has not verified the email address" in page_text(answer)
    assert account(oidc_app, email=f"{sub}@example.net") is None
    missing = person(issuer)
    set_claims(issuer, missing, email=f"{missing}@example.net")  # no email_verified at all
    assert sign_in_with_mock(client, issuer, missing).status_code == 400
    assert whoami(client) is None


def test_closed_and_invite_only_sites(oidc_app, client, issuer, make_user):
    with oidc_app.app_context():
        save_site_settings(changes={"registration": "closed"}, actor_id=None)
        _db.session.commit()
    answer = sign_in_with_mock(client, issuer, person(issuer))
    assert answer.status_code == 403
    assert "Sign-up is closed" in page_text(answer)

    from inkstone.auth.invitations import create_invitation

    admin = make_user("admin", role="admin")
    with oidc_app.app_context():
        save_site_settings(changes={"registration": "invite"}, actor_id=None)
        _, token = create_invitation(actor=_db.session.get(User, admin.id))
        _db.session.commit()
    assert sign_in_with_mock(client, issuer, person(issuer)).status_code == 403
    # The sign-up page carries the invitation to the button's form.
    assert f'name="invite" value="{token}"' in page_text(client.get(f"/register?invite={token}"))
    sub = person(issuer)
    assert redirect_target(sign_in_with_mock(client, issuer, sub, invite=token)) == "/"
    assert account(oidc_app, email=f"{sub}@example.net") is not None


# --------------------------------------------------------------------------- link, unlink


def test_link_from_settings_then_sign_in_with_it(oidc_app, client, issuer, make_user, sign_in):
    user = make_user("linker", email="linker@example.org")
    sign_in(client, user)
    page = page_text(client.get("/settings/connected-accounts"))
    assert "Mock" in page
    assert "Link" in page
    sub = person(issuer, email="someone-else@example.net")
    location = start(client, "/settings/connected-accounts/mock/link")
    answer = come_back(client, authorize(location, sub))
    assert redirect_target(answer) == "/settings/connected-accounts"
    assert "Mock is linked" in page_text(client.get("/settings/connected-accounts"))
    assert events_of(oidc_app, Event.PROVIDER_LINKED, user.id) == [
        {"provider": "mock", "provider_name": "Mock"}
    ]

    sign_out(client)
    assert redirect_target(sign_in_with_mock(client, issuer, sub)) == "/"
    assert whoami(client) is not None
    assert events_of(oidc_app, Event.SIGNIN_SUCCEEDED, user.id)[-1]["provider_name"] == "Mock"


def test_linking_an_account_linked_to_someone_else_is_refused(
    oidc_app, client, issuer, make_user, sign_in
):
    sub = person(issuer)
    sign_in_with_mock(client, issuer, sub)  # someone signed up with it
    sign_out(client)
    other = make_user("other")
    sign_in(client, other)
    answer = come_back(
        client, authorize(start(client, "/settings/connected-accounts/mock/link"), sub)
    )
    assert redirect_target(answer) == "/settings/connected-accounts"
    assert "linked to another" in page_text(client.get("/settings/connected-accounts"))
    assert events_of(oidc_app, Event.PROVIDER_LINKED, other.id) == []


def test_unlink_needs_another_way_to_sign_in(oidc_app, client, issuer):
    sub = person(issuer)
    sign_in_with_mock(client, issuer, sub)
    user = account(oidc_app, email=f"{sub}@example.net")
    assert user is not None
    page = page_text(client.get("/settings/connected-accounts"))
    assert "only way you can sign in" in page
    assert 'href="/reset"' in page
    token = csrf_token(client, "/settings/connected-accounts")
    answer = client.post("/settings/connected-accounts/mock/unlink", data={"csrf_token": token})
    assert redirect_target(answer) == "/settings/connected-accounts"
    assert "stays linked" in page_text(client.get("/settings/connected-accounts"))
    with oidc_app.app_context():
        assert _db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.subject == sub))

    from inkstone.auth.passwords import hash_password

    with oidc_app.app_context():
        _db.session.get(User, user.id).password_hash = hash_password("a fine new password")
        _db.session.commit()
    answer = client.post("/settings/connected-accounts/mock/unlink", data={"csrf_token": token})
    assert "no longer linked" in page_text(client.get("/settings/connected-accounts"))
    with oidc_app.app_context():
        assert (
            _db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.subject == sub))
            is None
        )
    assert events_of(oidc_app, Event.PROVIDER_UNLINKED, user.id) == [
        {"provider": "mock", "provider_name": "Mock"}
    ]


# --------------------------------------------------------------------------- what goes wrong


def test_a_wrong_state_is_refused(oidc_app, client, issuer):
    location = authorize(start(client), person(issuer))
    forged = location.replace("state=", "state=forged")
    answer = come_back(client, forged)
    assert answer.status_code == 400
    assert "expired" in page_text(answer)
    assert whoami(client) is None


def test_a_replayed_code_is_refused(oidc_app, client, issuer):
    sub = person(issuer)
    first = authorize(start(client), sub)
    assert redirect_target(come_back(client, first)) == "/"
    sign_out(client)
    # A fresh trip gives this browser a live state; the old code comes back with it.
    fresh = authorize(start(client), sub)
    state = dict(p.split("=", 1) for p in urlsplit(fresh).query.split("&"))["state"]
    code = dict(p.split("=", 1) for p in urlsplit(first).query.split("&"))["code"]
    answer = client.get(f"/login/with/mock/callback?code={code}&state={state}")
    assert answer.status_code == 400
    assert "refused to confirm" in page_text(answer)
    assert whoami(client) is None


def test_the_person_saying_no(oidc_app, client, issuer):
    answer = come_back(client, deny(start(client)))
    assert answer.status_code == 400
    assert "Sign-in cancelled" in page_text(answer)


def test_an_issuer_that_is_down_gets_a_clear_page(oidc_app, client):
    # A 503 is this page's answer (the client fixture's own refuses any 5xx).
    plain = FlaskClient(oidc_app, oidc_app.response_class, use_cookies=True)
    answer = plain.post("/login/with/down", data={"csrf_token": csrf_token(plain)})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert "Down is not answering" in page_text(answer)


def test_two_factor_is_still_asked_after_a_provider(oidc_app, client, issuer):
    sub = person(issuer)
    sign_in_with_mock(client, issuer, sub)
    user = account(oidc_app, email=f"{sub}@example.net")
    with oidc_app.app_context():
        _db.session.add(
            TotpDevice(user_id=user.id, secret="JBSWY3DPEHPK3PXP", confirmed_at=utcnow())
        )
        _db.session.commit()
    sign_out(client)
    answer = sign_in_with_mock(client, issuer, sub)
    assert redirect_target(answer) == "/login/two-factor"
    assert whoami(client) is None


def test_unknown_provider_is_404(client):
    answer = client.post("/login/with/nobody", data={"csrf_token": csrf_token(client, "/login")})
    assert answer.status_code == 404
    assert client.get("/login/with/nobody/callback").status_code == 404


def test_buttons_show_on_sign_in_and_sign_up(client):
    for path in ("/login", "/register"):
        text = page_text(client.get(path))
        assert "Continue with Mock" in text
        assert "Continue with Down" in text
