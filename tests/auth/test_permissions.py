"""One scope vocabulary: roles grant scopes, ``require_scope`` guards pages and API routes."""

from __future__ import annotations

import pytest

from inkstone import create_app
from inkstone.auth.access import require_scope
from inkstone.auth.models import RoleName, User
from inkstone.auth.permissions import ROLE_SCOPES, WRITE_SCOPES, Scope, user_scopes
from inkstone.auth.tokens import issue_token, token_required
from inkstone.extensions import db
from tests.conftest import app_config, page_text, redirect_target


@pytest.fixture
def guarded_app(tmp_path, database_url, db):
    """An app with one page and one API route that need ``users:manage``."""
    application = create_app(app_config(tmp_path, database_url))

    @require_scope(Scope.USERS_MANAGE)
    def page() -> str:
        return "the back office"

    @token_required
    @require_scope(Scope.USERS_MANAGE)
    def api_view() -> dict[str, str]:
        return {"secret": "the user list"}

    application.add_url_rule("/back-office", view_func=page, endpoint="back_office")
    application.add_url_rule("/api/v1/back-office", view_func=api_view, endpoint="api_office")
    yield application
    with application.app_context():
        db.engine.dispose()


def test_roles_grow_from_reader_to_admin():
    reader, author = ROLE_SCOPES[RoleName.READER], ROLE_SCOPES[RoleName.AUTHOR]
    moderator, admin = ROLE_SCOPES[RoleName.MODERATOR], ROLE_SCOPES[RoleName.ADMIN]
    assert reader < author < moderator < admin
    assert Scope.ARTICLES_WRITE not in reader
    assert Scope.COMMENTS_MODERATE in moderator
    assert Scope.USERS_MANAGE not in moderator
    assert admin == frozenset(Scope)


def test_a_page_sends_a_visitor_to_sign_in_and_refuses_a_reader(guarded_app, make_user, sign_in):
    client = guarded_app.test_client()
    assert redirect_target(client.get("/back-office")) == "/login?next=%2Fback-office"
    sign_in(client, make_user(role=RoleName.READER))
    response = client.get("/back-office")
    assert response.status_code == 403
    assert "the back office" not in page_text(response)


def test_a_page_lets_an_admin_in(guarded_app, make_user, sign_in):
    client = guarded_app.test_client()
    sign_in(client, make_user(role=RoleName.ADMIN))
    response = client.get("/back-office")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "the back office"


def _token_headers(app, user):
    """Return a token made with ``app``'s own key (every test app has its own secret)."""
    with app.app_context():
        return {"Authorization": f"Token {issue_token(db.session.get(User, user.id))}"}


def test_an_api_route_answers_401_then_403_then_200(guarded_app, make_user):
    client = guarded_app.test_client()
    assert client.get("/api/v1/back-office").status_code == 401
    moderator = make_user(role="moderator")
    refused = client.get("/api/v1/back-office", headers=_token_headers(guarded_app, moderator))
    assert refused.status_code == 403
    assert refused.json == {
        "errors": {"scope": ["this needs the users:manage permission"]},
        "code": "auth.forbidden",
    }
    admin = make_user(role="admin")
    allowed = client.get("/api/v1/back-office", headers=_token_headers(guarded_app, admin))
    assert allowed.json == {"secret": "the user list"}


@pytest.mark.parametrize("required", [False, True])
def test_unconfirmed_accounts_lose_write_scopes_only_when_confirmation_is_required(
    tmp_path, database_url, make_user, required
):
    strict = create_app(app_config(tmp_path, database_url, REQUIRE_EMAIL_CONFIRMATION=required))
    newcomer = make_user(status="unverified")
    try:
        with strict.app_context():
            scopes = user_scopes(db.session.merge(newcomer))
    finally:
        with strict.app_context():
            db.engine.dispose()
    assert (scopes & WRITE_SCOPES == frozenset()) is required
    assert Scope.COMMENTS_WRITE in ROLE_SCOPES[RoleName.AUTHOR]
