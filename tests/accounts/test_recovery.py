"""The account lifecycle by mail: confirm an address, reset a password, change an address.

Every flow is driven as a user would: a form or an API call, the mail it sends (read from
the ``locmem`` outbox), the link in that mail, and what the site does when it is followed
once, twice, late, or forged.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from flask import Flask
from sqlalchemy import select

from inkstone import create_app
from inkstone.auth.audit import Event, list_events
from inkstone.auth.links import Purpose, make_token
from inkstone.auth.models import User, UserStatus
from inkstone.auth.sessions import list_sessions
from inkstone.auth.tokens import issue_token
from inkstone.extensions import db, limiter
from tests.conftest import (
    DEFAULT_PASSWORD,
    IsolatedClient,
    app_config,
    csrf_token,
    field_errors,
    page_text,
    redirect_target,
)

SITE = "http://127.0.0.1:5000"  # SITE_URL's default: links in mail start with it
NEW_PASSWORD = "a much longer new password"
# What the API answers for an article, a comment (RealWorld says 200) and a guestbook message.
WRITTEN = [201, 200, 201]
SENT = "If an account uses that address, we sent a link to it to choose a new password."


# --------------------------------------------------------------------------- helpers


def outbox(app: Flask) -> list:
    """Return the messages ``app`` has sent (Flask-Mailman's locmem backend)."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox


@pytest.fixture
def mailbox(app: Flask, db) -> list:
    """The main app's outbox, emptied for this test."""
    box = outbox(app)
    box.clear()
    return box


def link_in(message, prefix: str) -> str:
    """Return the path of the link in ``message`` that starts with ``prefix`` (e.g. /confirm/)."""
    found = re.findall(rf"{re.escape(SITE)}({re.escape(prefix)}[^\s<\"]+)", message.body)
    assert found, f"no {prefix} link in {message.body!r}"
    html = message.alternatives[0][0]
    assert f'href="{SITE}{found[0]}"' in html  # the HTML part carries the same link
    return found[0]


def mails_to(box: list, address: str) -> list:
    return [message for message in box if message.to == [address]]


def _reload(app: Flask, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        db.session.expunge(user)
        return user


def _events(app: Flask, user_id: int, event: Event) -> list:
    with app.app_context():
        return list_events(user=db.session.get(User, user_id), event=event.value)


def _register_web(client, username="newcomer", email="newcomer@example.org", **headers):
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": username,
        "email": email,
        "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD,
    }
    return client.post("/register", data=data, headers=headers)


def _register_api(client, username="jake", email="jake@example.org", **headers):
    body = {"user": {"username": username, "email": email, "password": DEFAULT_PASSWORD}}
    return client.post("/api/v1/users", json=body, headers=headers)


def _login(client, email, password=DEFAULT_PASSWORD, **extra):
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": password}
    return client.post("/login", data={**data, **extra})


def _user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def _is_signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def _token_of(app: Flask, user_id: int) -> dict[str, str]:
    """Return API headers with a token that ``app`` issued (each test app has its own key)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {"Authorization": f"Token {issue_token(user)}"}


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch):
    """Return a function that moves the clock links are checked with forward by ``hours``."""

    def travel(hours: float) -> None:
        now = time.time() + hours * 3600
        monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: now))

    return travel


# --------------------------------------------------------------------------- confirmation


def test_web_registration_mails_a_link_that_confirms_the_address(app, client, mailbox):
    response = _register_web(client)
    assert redirect_target(response) == "/"
    home = page_text(client.get("/"))
    assert "follow the link we sent to newcomer@example.org" in home
    user_id = _user_id(app, "newcomer@example.org")
    assert _reload(app, user_id).status == UserStatus.UNVERIFIED

    [mail] = mailbox
    assert mail.to == ["newcomer@example.org"]
    assert mail.subject == "Confirm your email address for Inkstone"
    assert "Hello newcomer," in mail.body
    path = link_in(mail, "/confirm/")

    confirmed = client.get(path)  # the new user is signed in in this browser
    assert redirect_target(confirmed) == "/"
    assert "Thank you, your email address is confirmed." in page_text(client.get("/"))
    user = _reload(app, user_id)
    assert user.status == UserStatus.ACTIVE
    assert user.email_confirmed_at is not None
    assert len(_events(app, user_id, Event.EMAIL_CONFIRMED)) == 1
    assert len(_events(app, user_id, Event.REGISTERED)) == 1


def test_api_registration_mails_a_link_too_and_following_it_signs_nobody_in(app, client, mailbox):
    assert _register_api(client).status_code == 201
    user_id = _user_id(app, "jake@example.org")
    assert _reload(app, user_id).status == UserStatus.UNVERIFIED
    [mail] = mails_to(mailbox, "jake@example.org")
    path = link_in(mail, "/confirm/")

    visitor = app.test_client()
    response = visitor.get(path)
    assert response.status_code == 200
    page = page_text(response)
    assert "Your email address is confirmed" in page
    assert "Thank you, jake. Your account is ready." in page
    assert 'href="/login"' in page
    assert not _is_signed_in(visitor)
    assert _reload(app, user_id).status == UserStatus.ACTIVE


def test_a_confirmation_link_followed_while_signed_in_as_someone_else(
    app, client, mailbox, make_user, sign_in
):
    _register_api(client)
    path = link_in(mails_to(mailbox, "jake@example.org")[0], "/confirm/")
    other = make_user(username="other")
    browser = app.test_client()
    sign_in(browser, other)
    response = browser.get(path)
    assert response.status_code == 200
    page = page_text(response)
    assert "Thank you, jake. Your account is ready." in page
    assert 'href="/login"' not in page
    assert "Back to the home page" in page
    assert _reload(app, _user_id(app, "jake@example.org")).status == UserStatus.ACTIVE


def test_a_confirmation_link_works_once(app, client, mailbox):
    _register_api(client)
    path = link_in(mailbox[0], "/confirm/")
    assert app.test_client().get(path).status_code == 200
    again = app.test_client().get(path)
    assert again.status_code == 410
    page = page_text(again)
    assert "This link was already used" in page
    assert "Each link works once" in page
    assert 'href="/login?next=/settings"' in page


def test_an_expired_confirmation_link_is_refused_with_a_clear_page(app, client, mailbox, later):
    _register_api(client)
    path = link_in(mailbox[0], "/confirm/")
    later(hours=24.1)
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "This link has expired" in page_text(response)
    assert _reload(app, _user_id(app, "jake@example.org")).status == UserStatus.UNVERIFIED


def test_a_confirmation_link_is_good_for_a_day(app, client, mailbox, later):
    _register_api(client)
    path = link_in(mailbox[0], "/confirm/")
    later(hours=23.9)
    assert app.test_client().get(path).status_code == 200
    assert _reload(app, _user_id(app, "jake@example.org")).status == UserStatus.ACTIVE


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "x" + token,  # payload
        lambda token: token.split(".")[0],  # cut short
        lambda _token: "not-a-token",
        lambda _token: "a" * 5000,
        lambda _token: "..",
    ],
)
def test_a_forged_confirmation_link_is_a_400_page_not_an_error(app, client, mailbox, forge):
    _register_api(client)
    token = link_in(mailbox[0], "/confirm/").removeprefix("/confirm/")
    response = app.test_client().get(f"/confirm/{forge(token)}")
    assert response.status_code == 400
    assert "This link does not work" in page_text(response)
    assert _reload(app, _user_id(app, "jake@example.org")).status == UserStatus.UNVERIFIED


def test_a_link_made_for_another_purpose_or_another_key_does_not_confirm(app, make_user):
    user = make_user(status=UserStatus.UNVERIFIED.value)
    with app.app_context():
        fresh = db.session.get(User, user.id)
        reset_token = make_token(Purpose.RESET_PASSWORD, user=fresh)
    assert app.test_client().get(f"/confirm/{reset_token}").status_code == 400
    other = itsdangerous.URLSafeTimedSerializer("another key", salt="inkstone.confirm-email")
    foreign = other.dumps({"u": str(user.id), "f": "0" * 24})
    assert app.test_client().get(f"/confirm/{foreign}").status_code == 400
    assert _reload(app, user.id).status == UserStatus.UNVERIFIED


def test_the_link_of_a_suspended_account_confirms_nothing(app, client, mailbox):
    _register_api(client)
    path = link_in(mailbox[0], "/confirm/")
    user_id = _user_id(app, "jake@example.org")
    with app.app_context():
        db.session.get(User, user_id).status = UserStatus.SUSPENDED.value
        db.session.commit()
    assert app.test_client().get(path).status_code == 400
    assert _reload(app, user_id).status == UserStatus.SUSPENDED


def test_links_in_mail_ignore_a_forged_host_header(app, client, mailbox):
    response = _register_api(client, Host="evil.example", **{"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 201
    [mail] = mailbox
    assert "evil.example" not in mail.body
    assert "evil.example" not in mail.alternatives[0][0]
    assert f"{SITE}/confirm/" in mail.body


def test_the_confirmation_mail_is_in_the_language_of_the_registration(app, client, mailbox):
    client.set_cookie("locale", "zh_CN")
    _register_web(client)
    [mail] = mailbox
    assert '<html lang="zh-CN">' in mail.alternatives[0][0]


def test_the_mail_has_a_text_and_a_plain_html_part_without_images(app, client, mailbox):
    _register_api(client)
    [mail] = mailbox
    assert mail.content_subtype == "plain"
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    assert "<img" not in html
    assert "<script" not in html
    assert "style=" not in html
    assert "<a href=" in html


# --------------------------------------------------------------------------- resend


def test_an_unverified_user_sees_a_notice_and_can_resend_the_mail(
    app, client, make_user, sign_in, mailbox
):
    user = make_user(email="late@example.org", status=UserStatus.UNVERIFIED.value)
    sign_in(client, user)
    mailbox.clear()
    settings = page_text(client.get("/settings"))
    assert "Your email address late@example.org is not confirmed yet" in settings
    assert 'form="resend-confirmation"' in settings
    assert 'action="/settings/confirmation"' in settings

    token = csrf_token(client, "/settings")
    response = client.post("/settings/confirmation", data={"csrf_token": token})
    assert redirect_target(response) == "/settings"
    assert "We sent a new confirmation link to late@example.org." in page_text(
        client.get("/settings")
    )
    [mail] = mailbox
    assert mail.to == ["late@example.org"]
    assert redirect_target(client.get(link_in(mail, "/confirm/"))) == "/"
    assert _reload(app, user.id).status == UserStatus.ACTIVE
    assert "is not confirmed yet" not in page_text(client.get("/settings"))


def test_a_confirmed_user_has_nothing_to_resend(app, client, make_user, sign_in, mailbox):
    user = make_user()
    sign_in(client, user)
    assert "is not confirmed yet" not in page_text(client.get("/settings"))
    token = csrf_token(client, "/settings")
    response = client.post("/settings/confirmation", data={"csrf_token": token})
    assert redirect_target(response) == "/settings"
    assert "Your email address is already confirmed." in page_text(client.get("/settings"))
    assert mailbox == []


def test_resending_needs_a_signed_in_user_and_a_csrf_token(app, client, make_user, sign_in):
    token = csrf_token(client, "/login")
    visitor = client.post("/settings/confirmation", data={"csrf_token": token})
    assert redirect_target(visitor).startswith("/login")
    sign_in(client, make_user(status=UserStatus.UNVERIFIED.value))
    assert client.post("/settings/confirmation").status_code == 400


def test_api_resends_the_confirmation_mail(app, client, make_user, auth_headers, mailbox):
    user = make_user(email="api@example.org", status=UserStatus.UNVERIFIED.value)
    mailbox.clear()
    response = client.post("/api/v1/user/confirmation", headers=auth_headers(user))
    assert response.status_code == 202
    assert set(response.json) == {"message"}
    [mail] = mailbox
    assert mail.to == ["api@example.org"]
    assert client.post("/api/v1/user/confirmation").status_code == 401


def test_api_resend_for_a_confirmed_address_is_422(client, make_user, auth_headers, mailbox):
    response = client.post("/api/v1/user/confirmation", headers=auth_headers(make_user()))
    assert response.status_code == 422
    assert response.json == {
        "errors": {"email": ["is already confirmed"]},
        "code": "request.invalid",
    }
    assert mailbox == []


def test_resending_is_rate_limited(make_limited_app, make_user, sign_in):
    limited = make_limited_app(RATELIMIT_MAIL="2/hour")
    limited.test_client_class = IsolatedClient
    user = make_user(status=UserStatus.UNVERIFIED.value)
    browser = limited.test_client()
    sign_in(browser, user)
    token = csrf_token(browser, "/settings")
    for _ in range(2):
        response = browser.post("/settings/confirmation", data={"csrf_token": token})
        assert response.status_code == 302
    refused = browser.post("/settings/confirmation", data={"csrf_token": token})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert len(outbox(limited)) >= 2

    api = limited.test_client()
    headers = _token_of(limited, user.id)
    answers = [api.post("/api/v1/user/confirmation", headers=headers) for _ in range(3)]
    assert [r.status_code for r in answers] == [202, 202, 429]


# --------------------------------------------------------------------------- confirmation required


@pytest.fixture
def strict_app(app, db, tmp_path, database_url, monkeypatch) -> Iterator[Flask]:
    """An app that makes accounts confirm their address before they write anything."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    strict = create_app(app_config(tmp_path, database_url, REQUIRE_EMAIL_CONFIRMATION=True))
    strict.test_client_class = IsolatedClient
    outbox(strict).clear()
    yield strict
    with strict.app_context():
        db.engine.dispose()


def _write_everything_by_api(client, headers, article_slug) -> list:
    return [
        client.post(
            "/api/v1/articles",
            json={"article": {"title": "Mine", "description": "d", "body": "b"}},
            headers=headers,
        ),
        client.post(
            f"/api/v1/articles/{article_slug}/comments",
            json={"comment": {"body": "Nice"}},
            headers=headers,
        ),
        client.post(
            "/api/v1/guestbook", json={"message": {"name": "me", "body": "Hi"}}, headers=headers
        ),
    ]


def _write_everything_on_the_site(client, article_slug) -> list:
    return [
        client.post(
            "/editor",
            data={
                "csrf_token": csrf_token(client, "/"),
                "action": "publish",
                "title": "Mine on the site",
                "description": "d",
                "body": "b",
                "tags": "",
            },
        ),
        client.post(
            f"/article/{article_slug}/comments",
            data={"csrf_token": csrf_token(client, "/"), "body": "Nice"},
        ),
        client.post(
            "/guestbook",
            data={"csrf_token": csrf_token(client, "/"), "name": "me", "body": "Hi"},
        ),
    ]


def test_by_default_an_unverified_account_may_publish_comment_and_sign(
    app, client, make_user, make_article, auth_headers, sign_in
):
    article = make_article(make_user())
    user = make_user(status=UserStatus.UNVERIFIED.value)
    answers = _write_everything_by_api(client, auth_headers(user), article.slug)
    assert [r.status_code for r in answers] == WRITTEN
    sign_in(client, user)
    assert client.get("/editor").status_code == 200
    pages = _write_everything_on_the_site(client, article.slug)
    assert [r.status_code for r in pages] == [302, 302, 302]


def test_when_required_an_unverified_account_must_confirm_before_writing(
    strict_app, make_user, make_article, sign_in
):
    article = make_article(make_user())
    user = make_user(status=UserStatus.UNVERIFIED.value)
    api = strict_app.test_client()
    headers = _token_of(strict_app, user.id)
    for refused in _write_everything_by_api(api, headers, article.slug):
        assert refused.status_code == 403
        assert refused.json == {
            "errors": {"email": ["confirm your email address first"]},
            "code": "auth.forbidden",
        }

    browser = strict_app.test_client()
    sign_in(browser, user)
    editor = browser.get("/editor")
    assert editor.status_code == 403
    assert "Please confirm your email address first" in page_text(editor)
    for refused in _write_everything_on_the_site(browser, article.slug):
        assert refused.status_code == 403
        assert "Please confirm your email address first" in page_text(refused)

    # Ask for the mail again, follow its link: now everything works.
    token = csrf_token(browser, "/settings")
    browser.post("/settings/confirmation", data={"csrf_token": token})
    [mail] = outbox(strict_app)
    assert redirect_target(browser.get(link_in(mail, "/confirm/"))) == "/"
    answers = _write_everything_by_api(api, headers, article.slug)
    assert [r.status_code for r in answers] == WRITTEN
    assert browser.get("/editor").status_code == 200
    pages = _write_everything_on_the_site(browser, article.slug)
    assert [r.status_code for r in pages] == [302, 302, 302]


def test_when_required_a_confirmed_account_writes_as_usual(strict_app, make_user, make_article):
    article = make_article(make_user())
    user = make_user()  # active and confirmed
    answers = _write_everything_by_api(
        strict_app.test_client(), _token_of(strict_app, user.id), article.slug
    )
    assert [r.status_code for r in answers] == WRITTEN


# --------------------------------------------------------------------------- password reset


def _ask_for_reset(client, email):
    data = {"csrf_token": csrf_token(client, "/reset"), "email": email}
    return client.post("/reset", data=data)


def test_the_sign_in_page_links_to_the_reset_form(client):
    assert 'href="/reset"' in page_text(client.get("/login"))
    page = page_text(client.get("/reset"))
    assert "Forgot your password?" in page
    assert 'name="email"' in page


@pytest.mark.parametrize("status", [None, UserStatus.SUSPENDED, UserStatus.DELETED])
def test_a_reset_request_answers_the_same_whether_or_not_the_address_has_an_account(
    app, make_user, mailbox, status
):
    user = make_user(email="known@example.org")
    if status is not None:
        with app.app_context():
            db.session.get(User, user.id).status = status.value
            db.session.commit()
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        browser = app.test_client()
        response = _ask_for_reset(browser, email)
        answers.append((response.status_code, redirect_target(response)))
        answers.append(page_text(browser.get("/login")).count(SENT))
    assert answers[:2] == answers[2:] == [(302, "/login"), 1]
    expected = 1 if status is None else 0  # suspended and deleted accounts get no mail
    assert len(mails_to(mailbox, "known@example.org")) == expected
    assert mails_to(mailbox, "unknown@example.org") == []
    with app.app_context():
        requested = list_events(event=Event.PASSWORD_RESET_REQUESTED.value)
    assert sorted(event.detail["email"] for event in requested) == [
        "known@example.org",
        "unknown@example.org",
    ]


def test_a_reset_request_needs_a_valid_address(client, mailbox):
    data = {"csrf_token": csrf_token(client, "/reset"), "email": "not an address"}
    response = client.post("/reset", data=data)
    assert response.status_code == 200
    assert field_errors(response, "email") == [
        "Enter a valid email address, like name@example.com."
    ]
    assert mailbox == []


def test_a_reset_link_sets_a_new_password_and_ends_every_session_and_token(
    app, client, make_user, sign_in, auth_headers, mailbox
):
    user = make_user(email="forgetful@example.org")
    signed_in_elsewhere = app.test_client()
    sign_in(signed_in_elsewhere, user)
    old_token = auth_headers(user)
    assert client.get("/api/v1/user", headers=old_token).status_code == 200

    _ask_for_reset(client, "Forgetful@Example.org ")
    [mail] = mailbox
    assert mail.subject == "Reset your password on Inkstone"
    path = link_in(mail, "/reset/")
    form = client.get(path)
    assert form.status_code == 200
    assert "Choose a new password" in page_text(form)

    def submit(password, confirm=None):
        data = {
            "csrf_token": csrf_token(client, path),
            "password": password,
            "confirm": password if confirm is None else confirm,
        }
        return client.post(path, data=data)

    differ = submit(NEW_PASSWORD, "something else entirely")
    assert field_errors(differ, "confirm") == ["The two passwords differ."]
    common = submit("password123")
    assert common.status_code == 200
    assert field_errors(common, "password")  # the policy's reason, under the field
    assert _reload(app, user.id).password_hash == user.password_hash

    done = submit(NEW_PASSWORD)
    assert redirect_target(done) == "/login"
    assert "Your password is changed." in page_text(client.get("/login"))

    assert not _is_signed_in(signed_in_elsewhere)
    assert client.get("/api/v1/user", headers=old_token).status_code == 401
    assert "Wrong email or password." in page_text(_login(client, "forgetful@example.org"))
    assert redirect_target(_login(client, "forgetful@example.org", NEW_PASSWORD)) == "/"
    assert len(_events(app, user.id, Event.PASSWORD_RESET)) == 1

    used = app.test_client().get(path)
    assert used.status_code == 410
    assert "This link was already used" in page_text(used)
    assert 'href="/reset"' in page_text(used)


def test_a_reset_link_lasts_an_hour(app, client, make_user, mailbox, later):
    make_user(email="slow@example.org")
    _ask_for_reset(client, "slow@example.org")
    path = link_in(mailbox[0], "/reset/")
    later(hours=0.9)
    assert app.test_client().get(path).status_code == 200
    later(hours=1.1)
    expired = app.test_client().get(path)
    assert expired.status_code == 410
    assert "This link has expired" in page_text(expired)
    data = {"csrf_token": csrf_token(client, "/reset"), "password": NEW_PASSWORD}
    assert client.post(path, data={**data, "confirm": NEW_PASSWORD}).status_code == 410


def test_a_reset_link_dies_when_the_password_changes_another_way(
    app, client, make_user, mailbox, auth_headers
):
    user = make_user(email="busy@example.org")
    _ask_for_reset(client, "busy@example.org")
    path = link_in(mailbox[0], "/reset/")
    changed = client.put(
        "/api/v1/user", json={"user": {"password": NEW_PASSWORD}}, headers=auth_headers(user)
    )
    assert changed.status_code == 200
    assert app.test_client().get(path).status_code == 410


def test_a_reset_also_confirms_an_unverified_address(app, client, make_user, mailbox):
    user = make_user(email="new@example.org", status=UserStatus.UNVERIFIED.value)
    _ask_for_reset(client, "new@example.org")
    path = link_in(mails_to(mailbox, "new@example.org")[-1], "/reset/")
    data = {"csrf_token": csrf_token(client, path), "password": NEW_PASSWORD}
    assert redirect_target(client.post(path, data={**data, "confirm": NEW_PASSWORD})) == "/login"
    assert _reload(app, user.id).status == UserStatus.ACTIVE


def test_api_reset_request_answers_202_the_same_for_every_address(client, make_user, mailbox):
    make_user(email="known@example.org")
    answers = [
        client.post("/api/v1/users/password-reset", json={"user": {"email": email}})
        for email in ("known@example.org", "unknown@example.org")
    ]
    assert [r.status_code for r in answers] == [202, 202]
    assert answers[0].json == answers[1].json
    assert set(answers[0].json) == {"message"}
    assert [m.to for m in mailbox] == [["known@example.org"]]


@pytest.mark.parametrize(
    "body", [{}, {"user": {}}, {"user": {"email": ""}}, {"user": {"email": 5}}, {"user": "x"}]
)
def test_api_reset_request_refuses_a_malformed_body(client, body, mailbox):
    response = client.post("/api/v1/users/password-reset", json=body)
    assert response.status_code == 422
    assert "errors" in response.json
    assert mailbox == []


def test_reset_requests_are_rate_limited(make_limited_app):
    limited = make_limited_app(RATELIMIT_RESET="2/hour")
    limited.test_client_class = IsolatedClient
    browser = limited.test_client()
    pages = [_ask_for_reset(browser, "someone@example.org") for _ in range(3)]
    assert [r.status_code for r in pages] == [302, 302, 429]
    api = limited.test_client()
    body = {"user": {"email": "someone@example.org"}}
    answers = [api.post("/api/v1/users/password-reset", json=body) for _ in range(3)]
    assert [r.status_code for r in answers] == [202, 202, 429]
    assert "Retry-After" in answers[-1].headers


# --------------------------------------------------------------------------- change password


def test_changing_the_password_signs_out_other_browsers_but_keeps_this_one(
    app, client, make_user, sign_in, auth_headers
):
    user = make_user(email="careful@example.org")
    assert redirect_target(_login(client, "careful@example.org", remember="y")) == "/"
    other = app.test_client()
    sign_in(other, user)
    old_token = auth_headers(user)

    data = {
        "csrf_token": csrf_token(client, "/settings"),
        "username": user.username,
        "email": user.email,
        "bio": "",
        "image": "",
        "locale": "",
        "timezone": "",
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "current_password": DEFAULT_PASSWORD,
    }
    assert redirect_target(client.post("/settings", data=data)) == "/settings"
    assert _is_signed_in(client)
    assert not _is_signed_in(other)
    assert app.test_client().get("/api/v1/user", headers=old_token).status_code == 401
    with app.app_context():
        [record] = list_sessions(user=db.session.get(User, user.id))
        assert record.remember  # "remember me" survives in this browser
    assert len(_events(app, user.id, Event.PASSWORD_CHANGED)) == 1


def test_changing_the_password_by_api_revokes_old_tokens_and_returns_a_new_one(
    app, client, make_user, auth_headers
):
    user = make_user(email="api@example.org")
    old = auth_headers(user)
    response = client.put("/api/v1/user", json={"user": {"password": NEW_PASSWORD}}, headers=old)
    assert response.status_code == 200
    new = {"Authorization": f"Token {response.json['user']['token']}"}
    assert client.get("/api/v1/user", headers=old).status_code == 401
    assert client.get("/api/v1/user", headers=old).json == {
        "errors": {"token": ["token has been revoked"]},
        "code": "auth.required",
    }
    assert client.get("/api/v1/user", headers=new).status_code == 200
    assert len(_events(app, user.id, Event.PASSWORD_CHANGED)) == 1


def test_a_profile_change_without_a_new_password_ends_no_session(
    app, client, make_user, sign_in, auth_headers
):
    user = make_user()
    other = app.test_client()
    sign_in(other, user)
    token = auth_headers(user)
    assert (
        client.put("/api/v1/user", json={"user": {"bio": "hi"}}, headers=token).status_code == 200
    )
    assert client.get("/api/v1/user", headers=token).status_code == 200
    assert _is_signed_in(other)


# --------------------------------------------------------------------------- change email


def _change_email_in_settings(client, user, new_email, password=DEFAULT_PASSWORD):
    data = {
        "csrf_token": csrf_token(client, "/settings"),
        "username": user.username,
        "email": new_email,
        "bio": "",
        "image": "",
        "locale": "",
        "timezone": "",
        "new_password": "",
        "confirm_password": "",
        "current_password": password,
    }
    return client.post("/settings", data=data)


def test_a_new_address_takes_effect_only_once_its_link_is_followed(
    app, client, make_user, sign_in, mailbox
):
    user = make_user(username="mover", email="old@example.org")
    sign_in(client, user)
    response = _change_email_in_settings(client, user, "New@Example.org")
    assert redirect_target(response) == "/settings"
    settings = page_text(client.get("/settings"))
    assert "To use new@example.org, follow the link we sent to it." in settings
    assert "Waiting for confirmation: new@example.org." in settings
    assert _reload(app, user.id).email == "old@example.org"

    [confirm] = mails_to(mailbox, "new@example.org")
    [notice] = mails_to(mailbox, "old@example.org")
    assert confirm.subject == "Confirm your new email address for Inkstone"
    assert "new@example.org" in notice.body
    assert f"{SITE}/reset" in notice.body  # what to do if it was not you
    assert "/settings/email/" not in notice.body  # the old address cannot confirm the new one
    path = link_in(confirm, "/settings/email/")

    assert redirect_target(client.get(path)) == "/settings"
    settings = page_text(client.get("/settings"))
    assert "Your email address is now new@example.org." in settings
    assert "Waiting for confirmation" not in settings
    saved = _reload(app, user.id)
    assert (saved.email, saved.pending_email) == ("new@example.org", None)
    assert len(_events(app, user.id, Event.EMAIL_CHANGE_REQUESTED)) == 1
    [changed] = _events(app, user.id, Event.EMAIL_CHANGED)
    assert changed.detail == {"before": "old@example.org", "after": "new@example.org"}

    assert app.test_client().get(path).status_code == 410
    visitor = app.test_client()
    assert redirect_target(_login(visitor, "new@example.org")) == "/"
    assert "Wrong email or password." in page_text(_login(app.test_client(), "old@example.org"))


def test_an_address_change_link_works_without_being_signed_in(app, client, make_user, mailbox):
    user = make_user(email="old@example.org")
    client.put(
        "/api/v1/user",
        json={"user": {"email": "new@example.org"}},
        headers=_token_of(app, user.id),
    )
    path = link_in(mails_to(mailbox, "new@example.org")[0], "/settings/email/")
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert "Your account now uses new@example.org." in page_text(response)
    assert _reload(app, user.id).email == "new@example.org"


def test_api_keeps_the_old_address_until_the_new_one_is_confirmed(
    app, client, make_user, auth_headers, mailbox
):
    user = make_user(email="old@example.org")
    headers = auth_headers(user)
    response = client.put(
        "/api/v1/user", json={"user": {"email": "new@example.org"}}, headers=headers
    )
    assert response.status_code == 200
    assert response.json["user"]["email"] == "old@example.org"
    assert client.get("/api/v1/user", headers=headers).json["user"]["email"] == "old@example.org"
    assert len(mails_to(mailbox, "new@example.org")) == 1
    assert len(mails_to(mailbox, "old@example.org")) == 1


def test_a_taken_address_is_refused_up_front(app, client, make_user, auth_headers, mailbox):
    make_user(email="taken@example.org")
    user = make_user(email="mine@example.org")
    response = client.put(
        "/api/v1/user", json={"user": {"email": "TAKEN@example.org"}}, headers=auth_headers(user)
    )
    assert response.status_code == 409
    assert response.json == {"errors": {"email": ["has already been taken"]}, "code": "conflict"}
    assert mailbox == []
    assert _reload(app, user.id).pending_email is None


def test_an_address_taken_before_the_link_is_followed_is_a_409_page(
    app, client, make_user, auth_headers, mailbox
):
    user = make_user(email="old@example.org")
    client.put(
        "/api/v1/user", json={"user": {"email": "new@example.org"}}, headers=auth_headers(user)
    )
    path = link_in(mails_to(mailbox, "new@example.org")[0], "/settings/email/")
    make_user(email="new@example.org")  # somebody else registers it meanwhile
    response = app.test_client().get(path)
    assert response.status_code == 409
    assert "That address is taken now" in page_text(response)
    assert _reload(app, user.id).email == "old@example.org"


def test_a_newer_address_change_replaces_the_older_link(
    app, client, make_user, auth_headers, mailbox
):
    user = make_user(email="old@example.org")
    headers = auth_headers(user)
    client.put("/api/v1/user", json={"user": {"email": "first@example.org"}}, headers=headers)
    client.put("/api/v1/user", json={"user": {"email": "second@example.org"}}, headers=headers)
    first = link_in(mails_to(mailbox, "first@example.org")[0], "/settings/email/")
    second = link_in(mails_to(mailbox, "second@example.org")[0], "/settings/email/")
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200
    assert _reload(app, user.id).email == "second@example.org"


def test_an_address_change_link_expires_after_a_day(
    app, client, make_user, auth_headers, mailbox, later
):
    user = make_user(email="old@example.org")
    client.put(
        "/api/v1/user", json={"user": {"email": "new@example.org"}}, headers=auth_headers(user)
    )
    path = link_in(mails_to(mailbox, "new@example.org")[0], "/settings/email/")
    later(hours=24.1)
    assert app.test_client().get(path).status_code == 410
    assert _reload(app, user.id).email == "old@example.org"


def test_confirming_a_new_address_also_confirms_an_unverified_account(
    app, client, make_user, auth_headers, mailbox
):
    user = make_user(email="typo@exampel.org", status=UserStatus.UNVERIFIED.value)
    client.put(
        "/api/v1/user", json={"user": {"email": "right@example.org"}}, headers=auth_headers(user)
    )
    path = link_in(mails_to(mailbox, "right@example.org")[0], "/settings/email/")
    assert app.test_client().get(path).status_code == 200
    saved = _reload(app, user.id)
    assert (saved.email, saved.status) == ("right@example.org", UserStatus.ACTIVE)
