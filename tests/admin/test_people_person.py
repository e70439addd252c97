"""A person's page in the back office, and the actions on it: roles, suspension, sessions,
mail (password reset, confirmation) and deletion. Each action is audited with the admin."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from inkstone.articles.models import Article
from inkstone.auth.audit import Event
from inkstone.auth.models import AuditEvent, RoleName, User, UserSession, UserStatus
from inkstone.extensions import db
from inkstone.media.models import Upload
from tests.conftest import count_rows, csrf_token, page_text, redirect_target

SITE = "http://127.0.0.1:5000"


def _page(username: str) -> str:
    return f"/admin/people/{username}"


@pytest.fixture
def mailbox(app: Flask, db) -> list:
    """The outbox of Flask-Mailman's locmem backend, emptied for this test."""
    state = app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    state.outbox.clear()
    return state.outbox


def _act(client, username, action, token=True, **data):
    if token:
        data["csrf_token"] = csrf_token(client, _page(username))
    return client.post(f"{_page(username)}/{action}", data=data)


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


def _flashed(client, username) -> str:
    return page_text(client.get(_page(username)))


# --------------------------------------------------------------------------- the page


def test_the_page_shows_profile_roles_sessions_log_writing_and_uploads(
    app, admin_client, admin, make_user, make_article, sign_in
):
    mia = make_user(username="mia", email="mia@example.org", bio="Writes about tea.")
    make_article(mia, title="On green tea")
    make_article(mia, title="On black tea")
    make_article(mia, title="My secret draft", body="Nobody reads this", published=False)
    sign_in(app.test_client(), mia)
    with app.app_context():
        record = db.session.scalar(select(UserSession).where(UserSession.user_id == mia.id))
        record.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        record.ip = "203.0.113.9"
        db.session.add(
            Upload(
                owner_id=mia.id,
                kind="image",
                content_type="image/png",
                size=2048,
                sha256="0" * 64,
                blob_name="00/00.png",
            )
        )
        db.session.commit()
    response = admin_client.get(_page("MIA"))  # any case
    assert response.status_code == 200
    text = page_text(response)
    for shown in (
        "mia@example.org",
        "Writes about tea.",
        "Confirmed",
        'data-status="active"',
        'data-role="author"',
        "Firefox on Linux",  # the session's device
        "203.0.113.9",
        "On green tea",
        'href="/article/',
        "2 published articles",
        "1 draft",
        "1 file",
        "2.0 kB of",
        'data-event="account.registered"',
        "Account created",
    ):
        assert shown in text, shown
    assert "My secret draft" not in text
    assert "Nobody reads this" not in text
    assert 'href="/admin/people/mia/delete"' in text


def test_the_security_log_is_paged_newest_first(app, admin_client, admin, make_user, monkeypatch):
    from inkstone.admin import people

    monkeypatch.setattr(people, "EVENTS_PER_PAGE", 1)
    make_user(username="mia")
    _act(admin_client, "mia", "sign-out")
    first = page_text(admin_client.get(_page("mia")))
    assert 'data-event="session.ended_everywhere"' in first
    assert "Signed out everywhere (by root)" in first
    assert "/admin/people/mia?page=2#security-log" in first
    second = page_text(admin_client.get(_page("mia") + "?page=2"))
    assert 'data-event="account.registered"' in second
    assert admin_client.get(_page("mia") + "?page=3").status_code == 404


@pytest.mark.parametrize("username", ["nobody", "x" * 500, "%00", "a%2Fb"])
def test_unknown_or_absurd_usernames_are_404(admin_client, admin, username):
    assert admin_client.get(_page(username)).status_code == 404
    assert admin_client.get(_page(username) + "/delete").status_code == 404
    token = csrf_token(admin_client, "/admin/people")
    assert (
        admin_client.post(_page(username) + "/suspend", data={"csrf_token": token}).status_code
        == 404
    )


def test_your_own_page_offers_no_suspension_or_deletion(admin_client, admin):
    text = page_text(admin_client.get(_page("root")))
    assert "/admin/people/root/suspend" not in text
    assert "/admin/people/root/delete" not in text
    assert "/admin/people/root/roles" in text


# --------------------------------------------------------------------------- roles and status


def test_set_roles(app, admin_client, admin, make_user):
    mia = make_user(username="mia")
    done = _act(admin_client, "mia", "roles", roles=["moderator", "reader"])
    assert redirect_target(done) == _page("mia")
    assert _reload(app, mia).role_names == {"moderator", "reader"}
    [event] = _events(app, mia, Event.ROLES_CHANGED)
    assert event.actor_id == admin.id
    assert "The roles of mia were saved." in _flashed(admin_client, "mia")


def test_set_roles_refuses_none_and_unknown_ones(app, admin_client, admin, make_user):
    mia = make_user(username="mia")
    assert _act(admin_client, "mia", "roles").status_code == 302
    assert "Tick at least one role." in _flashed(admin_client, "mia")
    assert _act(admin_client, "mia", "roles", roles=["emperor"]).status_code == 400
    assert _reload(app, mia).role_names == {"author"}


def test_the_last_admin_keeps_the_admin_role(app, admin_client, admin):
    assert _act(admin_client, "root", "roles", roles=["author"]).status_code == 302
    assert "The site needs at least one admin who can sign in." in _flashed(admin_client, "root")
    assert _reload(app, admin).role_names == {"admin"}


def test_suspend_then_reinstate(app, client, admin_client, admin, make_user, auth_headers):
    mia = make_user(username="mia")
    headers = auth_headers(mia)
    assert client.get("/api/v1/user", headers=headers).status_code == 200
    assert redirect_target(_act(admin_client, "mia", "suspend")) == _page("mia")
    assert _reload(app, mia).status == "suspended"
    assert client.get("/api/v1/user", headers=headers).status_code == 401  # token revoked
    assert "mia is suspended and was signed out everywhere." in _flashed(admin_client, "mia")
    _act(admin_client, "mia", "reinstate")
    assert _reload(app, mia).status == "active"
    before_after = [
        (e.actor_id, e.detail["after"]) for e in _events(app, mia, Event.STATUS_CHANGED)
    ]
    assert sorted(before_after) == [(admin.id, "active"), (admin.id, "suspended")]


def test_reinstating_someone_not_suspended_is_refused(app, admin_client, admin, make_user):
    new = make_user(username="new", status=UserStatus.UNVERIFIED.value)
    _act(admin_client, "new", "reinstate")
    assert "This account is not suspended." in _flashed(admin_client, "new")
    assert _reload(app, new).status == "unverified"


def test_an_admin_cannot_suspend_themselves(app, admin_client, admin):
    _act(admin_client, "root", "suspend")
    assert "You cannot change your own status." in _flashed(admin_client, "root")
    assert _reload(app, admin).status == "active"


@pytest.mark.parametrize(
    "action", ["roles", "suspend", "reinstate", "sign-out", "password-reset", "confirmation"]
)
def test_actions_need_the_csrf_token(app, admin_client, admin, make_user, action):
    mia = make_user(username="mia", status=UserStatus.SUSPENDED.value)
    assert _act(admin_client, "mia", action, token=False, roles=["admin"]).status_code == 400
    assert _reload(app, mia).status == "suspended"
    assert _reload(app, mia).role_names == {"author"}
    assert not _events(app, mia, Event.STATUS_CHANGED)


# --------------------------------------------------------------------------- sessions and mail


def test_sign_out_everywhere(app, client, admin_client, admin, make_user, auth_headers, sign_in):
    mia = make_user(username="mia")
    headers = auth_headers(mia)
    browser = app.test_client()
    sign_in(browser, mia)
    _act(admin_client, "mia", "sign-out")
    assert client.get("/api/v1/user", headers=headers).status_code == 401
    assert "/login" in redirect_target(browser.get("/settings"))
    with app.app_context():
        assert count_rows(UserSession, UserSession.user_id == mia.id) == 0
    [event] = _events(app, mia, Event.SESSIONS_ENDED)
    assert event.actor_id == admin.id
    assert "mia was signed out everywhere." in _flashed(admin_client, "mia")


def test_send_a_password_reset_link(app, client, admin_client, admin, make_user, mailbox):
    mia = make_user(username="mia", email="mia@example.org")
    _act(admin_client, "mia", "password-reset")
    [message] = mailbox
    assert message.to == ["mia@example.org"]
    [link] = re.findall(rf"{re.escape(SITE)}(/reset/[^\s<\"]+)", message.body)
    assert client.get(link).status_code == 200  # the link works: it shows the form
    [event] = _events(app, mia, Event.PASSWORD_RESET_REQUESTED)
    assert event.actor_id == admin.id
    assert "A password-reset link was mailed to mia." in _flashed(admin_client, "mia")


def test_no_reset_link_for_a_suspended_account(app, admin_client, admin, make_user, mailbox):
    mia = make_user(username="mia", status=UserStatus.SUSPENDED.value)
    _act(admin_client, "mia", "password-reset")
    assert mailbox == []
    assert "This account cannot sign in, so it is sent no links." in _flashed(admin_client, "mia")
    assert not _events(app, mia, Event.PASSWORD_RESET_REQUESTED)


def test_resend_the_confirmation_link_only_when_unconfirmed(
    app, admin_client, admin, make_user, mailbox
):
    new = make_user(username="new", email="new@example.org", status=UserStatus.UNVERIFIED.value)
    mailbox.clear()  # the mail sent on registration
    assert "/admin/people/new/confirmation" in _flashed(admin_client, "new")
    _act(admin_client, "new", "confirmation")
    [message] = mailbox
    assert message.to == ["new@example.org"]
    [link] = re.findall(rf"{re.escape(SITE)}(/confirm/[^\s<\"]+)", message.body)
    app.test_client().get(link)
    assert _reload(app, new).status == "active"  # following it confirms the address
    [event] = _events(app, new, Event.CONFIRMATION_RESENT)
    assert event.actor_id == admin.id
    mailbox.clear()
    make_user(username="mia")
    assert "/admin/people/mia/confirmation" not in _flashed(admin_client, "mia")
    _act(admin_client, "mia", "confirmation")
    assert mailbox == []
    assert "This address is already confirmed." in _flashed(admin_client, "mia")


# --------------------------------------------------------------------------- deletion


def test_deleting_asks_first_then_keeps_the_writing(
    app, admin_client, admin, make_user, make_article
):
    mia = make_user(username="mia")
    article = make_article(mia, title="Still here")
    ask = admin_client.get(_page("mia") + "/delete")
    assert ask.status_code == 200
    assert "Delete the account of mia?" in page_text(ask)
    assert _reload(app, mia).status == "active"
    done = _act(admin_client, "mia", "delete", content="keep")
    assert redirect_target(done) == "/admin/people"
    gone = _reload(app, mia)
    assert (gone.status, gone.username) == ("deleted", f"deleted-{mia.id}")
    with app.app_context():
        assert db.session.get(Article, article.id) is not None
    [event] = _events(app, mia, Event.ACCOUNT_DELETED)
    assert (event.actor_id, event.detail["removed_content"]) == (admin.id, False)
    assert "The account of mia was deleted; their writing stays." in page_text(
        admin_client.get("/admin/people")
    )


def test_deleting_can_remove_the_writing(app, admin_client, admin, make_user, make_article):
    mia = make_user(username="mia")
    article = make_article(mia)
    _act(admin_client, "mia", "delete", content="remove")
    with app.app_context():
        assert db.session.get(Article, article.id) is None
    assert _reload(app, mia).status == "deleted"


def test_deleting_refuses_yourself_a_bad_choice_and_no_token(app, admin_client, admin, make_user):
    assert "You cannot delete your own account here." in page_text(
        admin_client.get(_page("root") + "/delete")
    )
    _act(admin_client, "root", "delete", content="keep")
    assert "You cannot do this to your own account here." in _flashed(admin_client, "root")
    assert _reload(app, admin).status == "active"
    mia = make_user(username="mia")
    assert _act(admin_client, "mia", "delete", content="everything").status_code == 400
    assert _act(admin_client, "mia", "delete", token=False, content="keep").status_code == 400
    assert _reload(app, mia).status == "active"


def test_the_page_of_a_deleted_account_offers_no_actions(app, admin_client, admin, make_user):
    mia = make_user(username="mia")
    _act(admin_client, "mia", "delete", content="keep")
    name = f"deleted-{mia.id}"
    text = page_text(admin_client.get(_page(name)))
    assert "This account was deleted." in text
    assert f"/admin/people/{name}/suspend" not in text
    _act(admin_client, name, "sign-out")
    assert "This account was deleted." in _flashed(admin_client, name)


def test_an_admin_can_remove_another_admin_but_not_via_suspension_of_the_last(
    app, admin_client, admin, make_user
):
    ada = make_user(username="ada", role=RoleName.ADMIN)
    _act(admin_client, "ada", "suspend")
    assert _reload(app, ada).status == "suspended"
    _act(admin_client, "ada", "reinstate")
    _act(admin_client, "ada", "delete", content="keep")
    assert _reload(app, ada).status == "deleted"
