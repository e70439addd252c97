"""Hardening: each test here fails if a known hole opens again.

Mass assignment, IDOR on every object route (API and site), moderators' rights that are the
other side of it, JWT forgeries and replays, open redirects, and CORS kept to the API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import jwt as pyjwt
import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import select

from inkstone.articles.comments import add_comment
from inkstone.articles.models import Article, Comment
from inkstone.auth.models import RoleName, User, UserSession, UserStatus
from inkstone.auth.sessions import end_all_sessions
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.guestbook import services as guestbook_services
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import DEFAULT_PASSWORD, count_rows, csrf_token, page_text, redirect_target

# Every column of an account that its owner must not be able to set.
PROTECTED = {
    "id": 1,
    "roles": ["admin"],
    "role": "admin",
    "status": "active",
    "token_version": 99,
    "tokenVersion": 99,
    "email_confirmed_at": "2020-01-01T00:00:00Z",
    "emailConfirmedAt": "2020-01-01T00:00:00Z",
    "emailConfirmed": True,
    "pending_email": "attacker@evil.example",
    "pendingEmail": "attacker@evil.example",
    "deleted_at": "2020-01-01T00:00:00Z",
    "last_login_at": "2020-01-01T00:00:00Z",
    "created_at": "2020-01-01T00:00:00Z",
    "articles_count": 999,
    "favorites_count": 999,
    "password_hash": "x",
    "scopes": ["users:manage"],
}


def _account(app, user_id):
    """Return what must not change about an account, as a comparable tuple."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return (
            user.id,
            sorted(user.role_names),
            user.status,
            user.token_version,
            user.email_confirmed_at,
            user.pending_email,
            user.deleted_at,
            user.last_login_at,
            user.created_at,
            user.articles_count,
            user.favorites_count,
            user.password_hash,
        )


# --------------------------------------------------------------------------- mass assignment


def test_put_user_sets_none_of_the_protected_fields(app, client, make_user, auth_headers):
    user = make_user(username="uma", status=UserStatus.UNVERIFIED.value)
    headers = auth_headers(user)
    before = _account(app, user.id)
    response = client.put(
        "/api/v1/user", json={"user": {"bio": "just a bio", **PROTECTED}}, headers=headers
    )
    assert response.status_code == 200
    assert _account(app, user.id) == before
    with app.app_context():
        assert db.session.get(User, user.id).bio == "just a bio"
    # The token version did not move: the same token still works.
    assert client.get("/api/v1/user", headers=headers).status_code == 200


def test_the_settings_form_sets_none_of_the_protected_fields(app, client, make_user, sign_in):
    user = make_user(username="uma", status=UserStatus.UNVERIFIED.value)
    sign_in(client, user)
    before = _account(app, user.id)
    form = {
        "csrf_token": csrf_token(client, "/settings"),
        "image": "",
        "username": "uma",
        "bio": "just a bio",
        "email": user.email,
        "locale": "",
        "timezone": "",
        **{key: str(value) for key, value in PROTECTED.items() if key != "roles"},
        "roles": ["admin", "moderator"],
    }
    assert redirect_target(client.post("/settings", data=form)) == "/settings"
    assert _account(app, user.id) == before
    with app.app_context():
        assert db.session.get(User, user.id).bio == "just a bio"


def test_registration_sets_none_of_the_protected_fields(app, client):
    response = client.post(
        "/api/v1/users",
        json={
            "user": {
                "username": "newbie",
                "email": "newbie@example.org",
                "password": DEFAULT_PASSWORD,
                **PROTECTED,
            }
        },
    )
    assert response.status_code == 201
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newbie"))
        assert user.role_names == {"author"}
        assert user.status in (UserStatus.ACTIVE, UserStatus.UNVERIFIED)
        assert user.token_version == 0
        assert user.pending_email is None
        assert user.articles_count == 0


# --------------------------------------------------------------------------- IDOR


@dataclass
class World:
    """Alice's things, and Bob who wants them."""

    alice: User
    bob: User
    slug: str  # alice's published article
    draft: str  # alice's draft
    bobs_slug: str  # bob's own article
    comment_id: int  # alice's comment under her article
    message_id: int  # alice's guestbook message
    session_id: int  # alice's web session


@pytest.fixture
def world(app, client, make_user, make_article, sign_in):
    alice = make_user(username="alice")
    bob = make_user(username="bob")
    article = make_article(alice, title="Alices article")
    draft = make_article(alice, title="Alices draft", published=False)
    bobs = make_article(bob, title="Bobs article")
    with app.app_context():
        found = db.session.get(Article, article.id)
        author = db.session.get(User, alice.id)
        comment = add_comment(article=found, author=author, body="Alice was here")
        message = guestbook_services.post_message(name="Alice", body="Hi", author=author)
        db.session.commit()
        comment_id, message_id = comment.id, message.id
    sign_in(app.test_client(), alice)  # alice is signed in somewhere
    with app.app_context():
        session_id = db.session.scalar(
            select(UserSession.id).where(UserSession.user_id == alice.id)
        )
    return World(
        alice, bob, article.slug, draft.slug, bobs.slug, comment_id, message_id, session_id
    )


def _untouched(app, world):
    """Assert that nothing of alice's changed."""
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == world.slug))
        assert article is not None
        assert (article.title, article.published) == ("Alices article", True)
        draft = db.session.scalar(select(Article).where(Article.slug == world.draft))
        assert draft is not None
        assert (draft.title, draft.published) == ("Alices draft", False)
        assert db.session.get(Comment, world.comment_id) is not None
        assert db.session.get(GuestbookMessage, world.message_id) is not None
        assert db.session.get(UserSession, world.session_id) is not None
        alice = db.session.get(User, world.alice.id)
        assert (alice.status, alice.role_names) == ("active", {"author"})
        bob = db.session.get(User, world.bob.id)
        assert bob.role_names == {"author"}
        assert count_rows(Article, Article.author_id == world.bob.id) == 1


API_ATTACKS = [
    ("PUT", "/articles/{slug}", {"article": {"title": "Pwned"}}, 403),
    ("PUT", "/articles/{slug}", {"article": {"published": False}}, 403),  # unpublish
    ("DELETE", "/articles/{slug}", None, 403),
    ("GET", "/articles/{draft}", None, 404),
    ("PUT", "/articles/{draft}", {"article": {"published": True}}, 404),
    ("DELETE", "/articles/{draft}", None, 404),
    ("POST", "/articles/{draft}/favorite", None, 404),
    ("GET", "/articles/{draft}/comments", None, 404),
    ("POST", "/articles/{draft}/comments", {"comment": {"body": "hi"}}, 404),
    ("DELETE", "/articles/{slug}/comments/{comment_id}", None, 403),
    # alice's comment through bob's own article: the comment is not under it
    ("DELETE", "/articles/{bobs_slug}/comments/{comment_id}", None, 404),
    ("DELETE", "/guestbook/{message_id}", None, 403),
    ("GET", "/users/alice", None, 403),
    ("PUT", "/users/alice/roles", {"roles": ["reader"]}, 403),
    ("PUT", "/users/bob/roles", {"roles": ["admin"]}, 403),  # promoting yourself
    ("PUT", "/users/alice/status", {"status": "suspended"}, 403),
    ("GET", "/audit-events?user=alice", None, 403),
    ("DELETE", "/user/sessions/{session_id}", None, 404),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    API_ATTACKS,
    ids=[f"{m} {p} {b or ''}" for m, p, b, _ in API_ATTACKS],
)
def test_the_api_never_lets_one_user_reach_anothers_things(
    app, client, world, auth_headers, method, path, body, status
):
    url = "/api/v1" + path.format(**vars(world))
    response = client.open(url, method=method, json=body, headers=auth_headers(world.bob))
    assert response.status_code == status, response.json
    assert list(response.json) == ["errors", "code"]
    assert response.json["code"] == {403: "auth.forbidden", 404: "not_found"}[status]
    _untouched(app, world)


WEB_ATTACKS = [
    ("GET", "/editor/{slug}", None, 403),
    ("POST", "/editor/{slug}", {"title": "Pwned", "description": "", "body": "x"}, 403),
    ("POST", "/article/{slug}/delete", {}, 403),
    ("POST", "/article/{slug}/comments/{comment_id}/delete", {}, 403),
    ("POST", "/article/{bobs_slug}/comments/{comment_id}/delete", {}, 404),
    ("GET", "/article/{draft}", None, 404),
    ("GET", "/editor/{draft}", None, 404),
    ("POST", "/editor/{draft}", {"title": "Pwned", "description": "", "body": "x"}, 404),
    ("POST", "/article/{draft}/publish", {}, 404),
    ("POST", "/article/{draft}/delete", {}, 404),
    ("POST", "/article/{draft}/favorite", {}, 404),
    ("POST", "/article/{draft}/comments", {"body": "hi"}, 404),
    ("GET", "/profile/alice/drafts", None, 404),
    ("POST", "/guestbook/{message_id}/delete", {}, 403),
    ("POST", "/settings/sessions/{session_id}/end", {}, 404),
]


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    WEB_ATTACKS,
    ids=[f"{m} {p}" for m, p, _, _ in WEB_ATTACKS],
)
def test_the_site_never_lets_one_user_reach_anothers_things(
    app, client, world, sign_in, method, path, data, status
):
    sign_in(client, world.bob)
    url = path.format(**vars(world))
    if data is not None:
        data = {"csrf_token": csrf_token(client, "/guestbook"), **data}
    response = client.open(url, method=method, data=data)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    _untouched(app, world)


# --------------------------------------------------------------------------- moderators


@pytest.fixture
def moderator(make_user):
    return make_user(username="mod", role=RoleName.MODERATOR)


def test_moderators_delete_anyones_comment_through_the_api(
    app, client, world, moderator, auth_headers
):
    url = f"/api/v1/articles/{world.slug}/comments/{world.comment_id}"
    response = client.delete(url, headers=auth_headers(moderator))
    assert response.status_code == 204
    with app.app_context():
        assert db.session.get(Comment, world.comment_id) is None
    listed = client.get(f"/api/v1/articles/{world.slug}/comments").json
    assert listed == {"comments": []}


def test_moderators_see_a_delete_button_under_every_comment_and_use_it(
    app, client, world, moderator, sign_in
):
    sign_in(client, moderator)
    page = page_text(client.get(f"/article/{world.slug}"))
    action = f"/article/{world.slug}/comments/{world.comment_id}/delete"
    assert f'action="{action}"' in page
    assert "Delete comment" in page
    response = client.post(action, data={"csrf_token": csrf_token(client, "/guestbook")})
    assert redirect_target(response) == f"/article/{world.slug}#comments"
    follow = page_text(client.get(f"/article/{world.slug}"))
    assert "The comment is deleted." in follow
    assert "Alice was here" not in follow
    with app.app_context():
        assert db.session.get(Comment, world.comment_id) is None


def test_others_see_no_delete_button_under_someone_elses_comment(client, world, sign_in):
    sign_in(client, world.bob)
    page = page_text(client.get(f"/article/{world.slug}"))
    assert "Alice was here" in page
    assert f"/comments/{world.comment_id}/delete" not in page
    assert "Delete comment" not in page


def test_the_comment_author_still_deletes_their_own_and_is_told_so(app, client, world, sign_in):
    sign_in(client, world.alice)
    action = f"/article/{world.slug}/comments/{world.comment_id}/delete"
    assert f'action="{action}"' in page_text(client.get(f"/article/{world.slug}"))
    client.post(action, data={"csrf_token": csrf_token(client, "/guestbook")})
    assert "Your comment is deleted." in page_text(client.get(f"/article/{world.slug}"))


def test_moderators_delete_guestbook_messages_on_the_site_and_through_the_api(
    app, client, world, moderator, auth_headers, make_user, sign_in
):
    other = make_user(username="carl")
    with app.app_context():
        second = guestbook_services.post_message(
            name="Carl", body="Hey", author=db.session.get(User, other.id)
        )
        db.session.commit()
        second_id = second.id
    response = client.delete(f"/api/v1/guestbook/{second_id}", headers=auth_headers(moderator))
    assert response.status_code == 204
    sign_in(client, moderator)
    action = f"/guestbook/{world.message_id}/delete"
    assert f'action="{action}"' in page_text(client.get("/guestbook"))
    client.post(action, data={"csrf_token": csrf_token(client, "/guestbook")})
    with app.app_context():
        assert count_rows(GuestbookMessage) == 0


# --------------------------------------------------------------------------- JWT


def _claims(app, user):
    """Return the claims of a real token for ``user``."""
    with app.app_context():
        from inkstone.auth.tokens import issue_token

        token = issue_token(db.session.get(User, user.id))
        return token, decode_token(token)


def _sign(app, claims):
    return pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS256")


def _me(client, token):
    return client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: {k: v for k, v in c.items() if k != "ver"}, "token is invalid"),
        (lambda c: {**c, "ver": c["ver"] + 1}, "token has been revoked"),
        (lambda c: {**c, "ver": str(c["ver"])}, "token has been revoked"),
        (lambda c: {**c, "ver": float(c["ver"])}, "token has been revoked"),
        (lambda c: {**c, "ver": None}, "token is invalid"),
        (lambda c: {**c, "type": "refresh"}, "token is invalid"),
        (lambda c: {k: v for k, v in c.items() if k != "exp"}, "token is invalid"),
    ],
    ids=["no ver", "ver ahead", "ver as text", "ver as float", "ver null", "refresh", "no exp"],
)
def test_a_validly_signed_token_with_a_bad_version_or_shape_is_401(
    app, client, make_user, change, message
):
    user = make_user()
    token, claims = _claims(app, user)
    assert _me(client, token).status_code == 200
    response = _me(client, _sign(app, change(claims)))
    assert response.status_code == 401
    assert response.json == {"errors": {"token": [message]}, "code": "auth.required"}


def test_a_token_is_dead_after_sign_out_everywhere_and_cannot_be_replayed(app, client, make_user):
    user = make_user()
    token, claims = _claims(app, user)
    assert _me(client, token).status_code == 200
    with app.app_context():
        end_all_sessions(user=db.session.get(User, user.id))
        db.session.commit()
    for _ in range(2):  # replayed again and again, it stays dead
        response = _me(client, token)
        assert response.status_code == 401
        assert response.json == {
            "errors": {"token": ["token has been revoked"]},
            "code": "auth.required",
        }
    # Re-signing its claims with a fresh expiry does not bring it back.
    refreshed = _sign(app, {**claims, "iat": int(time.time()), "exp": int(time.time()) + 600})
    assert _me(client, refreshed).status_code == 401
    # A new token, made with the new version, works.
    assert _me(client, _claims(app, user)[0]).status_code == 200


def test_a_token_made_before_a_suspension_stays_dead_after_reinstatement(
    app, client, make_user, auth_headers
):
    admin = make_user(role=RoleName.ADMIN)
    user = make_user(username="sus")
    token, _claims_of = _claims(app, user)
    admin_headers = auth_headers(admin)
    suspend = {"status": "suspended"}
    assert (
        client.put("/api/v1/users/sus/status", json=suspend, headers=admin_headers).status_code
        == 200
    )
    assert _me(client, token).status_code == 401
    reinstate = {"status": "active"}
    assert (
        client.put("/api/v1/users/sus/status", json=reinstate, headers=admin_headers).status_code
        == 200
    )
    assert _me(client, token).status_code == 401


def test_a_token_that_expired_a_moment_ago_is_401_whatever_its_version(app, client, make_user):
    user = make_user()
    _token, claims = _claims(app, user)
    past = utcnow() - timedelta(seconds=5)
    expired = _sign(app, {**claims, "exp": int(past.timestamp())})
    assert _me(client, expired).json == {
        "errors": {"token": ["token has expired"]},
        "code": "auth.required",
    }


# --------------------------------------------------------------------------- open redirects

OFF_SITE = [
    "///evil.example",
    "https:/evil.example",
    "https:evil.example",
    "//evil.example@localhost",
    "/\\/evil.example",
    "%2F%2Fevil.example",  # encoded twice: still text after one decoding
    " //evil.example",
    "ftp://evil.example/",
    "data:text/html,<script>alert(1)</script>",
    "javascript://%0Aalert(1)",
    "//evil.example/%2e%2e",
]


def _login(client, email, next_):
    return client.post(
        f"/login?next={quote(next_, safe='')}",
        data={
            "csrf_token": csrf_token(client, "/login"),
            "email": email,
            "password": DEFAULT_PASSWORD,
        },
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_leads_off_site(client, make_user, target):
    make_user(email="reader@example.org")
    assert redirect_target(_login(client, "reader@example.org", target)) == "/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_a_signed_in_visit_to_the_sign_in_page_never_leads_off_site(
    client, make_user, sign_in, target
):
    sign_in(client, make_user())
    for page in ("/login", "/register"):
        response = client.get(f"{page}?next={quote(target, safe='')}")
        assert redirect_target(response) == "/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_signing_up_never_leads_off_site(client, target):
    response = client.post(
        f"/register?next={quote(target, safe='')}",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "newbie",
            "email": "newbie@example.org",
            "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD,
        },
    )
    assert redirect_target(response) == "/"


# --------------------------------------------------------------------------- CORS


SITE_PAGES = ["/", "/login", "/register", "/guestbook", "/settings", "/feed.atom", "/apiary"]


@pytest.mark.parametrize("path", SITE_PAGES)
def test_site_pages_never_allow_other_origins(client, make_user, sign_in, path):
    sign_in(client, make_user())
    response = client.get(path, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("path", ["/login", "/settings", "/guestbook", "/logout"])
def test_site_forms_answer_no_cross_origin_preflight(client, path):
    response = client.options(
        path,
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_the_api_allows_other_origins_but_never_with_credentials(client):
    response = client.get("/api/v1/guestbook", headers={"Origin": "https://conduit.example"})
    assert response.headers["Access-Control-Allow-Origin"] in {"*", "https://conduit.example"}
    # Tokens travel in a header, never in cookies: no credentialed cross-origin requests.
    assert "Access-Control-Allow-Credentials" not in response.headers
