"""The back office's people list: who may see it, search, filters, sort, paging, bulk actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from inkstone.admin import people
from inkstone.auth.audit import Event
from inkstone.auth.models import AuditEvent, RoleName, User, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db
from tests.conftest import csrf_token, page_text, redirect_target

LIST = "/admin/people"


def _names(response) -> list[str]:
    """Return the usernames the list shows, in order."""
    assert response.status_code == 200, response.status_code
    return re.findall(r'name="usernames" value="([^"]+)"', response.get_data(as_text=True))


def _aged(app, user, days):
    with app.app_context():
        db.session.get(User, user.id).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


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


def _bulk(client, usernames, action, role=None, *, apply=False, token=True):
    data: dict = {"usernames": usernames, "action": action}
    if role:
        data["role"] = role
    if token:
        data["csrf_token"] = csrf_token(client, LIST)
    path = f"{LIST}/bulk/apply" if apply else f"{LIST}/bulk"
    return client.post(path, data=data)


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("path", [LIST, f"{LIST}/root", f"{LIST}/root/delete"])
def test_visitors_are_sent_to_sign_in(client, admin, path):
    response = client.get(path)
    assert "/login" in redirect_target(response)


@pytest.mark.parametrize("path", [LIST, f"{LIST}/root", f"{LIST}/root/delete"])
@pytest.mark.parametrize("role", [RoleName.AUTHOR, RoleName.MODERATOR])
def test_people_pages_are_for_user_managers_only(app, make_user, sign_in, admin, path, role):
    browser = app.test_client()
    sign_in(browser, make_user(role=role))
    assert browser.get(path).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        f"{LIST}/bulk",
        f"{LIST}/bulk/apply",
        f"{LIST}/mia/roles",
        f"{LIST}/mia/suspend",
        f"{LIST}/mia/reinstate",
        f"{LIST}/mia/sign-out",
        f"{LIST}/mia/password-reset",
        f"{LIST}/mia/confirmation",
        f"{LIST}/mia/delete",
    ],
)
def test_a_moderator_cannot_act_on_people(app, moderator_client, make_user, path):
    mia = make_user(username="mia")
    token = csrf_token(moderator_client, "/settings")
    data = {"csrf_token": token, "usernames": ["mia"], "action": "suspend", "roles": ["admin"]}
    data["content"] = "remove"
    assert moderator_client.post(path, data=data).status_code == 403
    stored = _reload(app, mia)
    assert (stored.status, stored.role_names) == ("active", {"author"})


def test_the_menu_shows_people_to_admins_not_moderators(admin_client, moderator_client):
    assert 'href="/admin/people"' in admin_client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/people"' not in moderator_client.get("/admin/").get_data(as_text=True)


# --------------------------------------------------------------------------- the list


def test_the_list_shows_everyone_but_deleted_newest_first(app, admin_client, admin, make_user):
    _aged(app, admin, 3)
    mia = make_user(username="mia", email="mia@example.org")
    _aged(app, mia, 2)
    ned = make_user(username="ned", status=UserStatus.UNVERIFIED.value)
    _aged(app, ned, 1)
    gone = make_user(username="gone")
    with app.app_context():
        from inkstone.accounts.deletion import delete_account

        delete_account(user=db.session.get(User, gone.id), remove_content=False)
        db.session.commit()
    response = admin_client.get(LIST)
    assert _names(response) == ["ned", "mia", "root"]
    text = page_text(response)
    assert "mia@example.org" in text
    assert "3 people" in text
    assert 'data-select-all="usernames"' in text  # select all, for the bulk form
    assert 'href="/admin/people/mia"' in text
    assert _names(admin_client.get(f"{LIST}?status=deleted")) == [f"deleted-{gone.id}"]


def test_search_matches_any_part_of_username_or_email_in_any_case(admin_client, admin, make_user):
    make_user(username="alice", email="a@example.org")
    make_user(username="Malice", email="m@example.org")
    make_user(username="bob", email="bob@alice.example")
    make_user(username="carol", email="carol@example.org")
    assert sorted(_names(admin_client.get(f"{LIST}?q=LIC"))) == ["Malice", "alice", "bob"]
    assert _names(admin_client.get(f"{LIST}?q=carol@")) == ["carol"]


def test_search_wildcards_are_taken_literally(admin_client, admin, make_user):
    make_user(username="under_score")
    make_user(username="underXscore")
    make_user(username="percent", email="100%sure@example.org")
    assert _names(admin_client.get(f"{LIST}?q=r_s")) == ["under_score"]
    assert _names(admin_client.get(f"{LIST}?q=%25")) == ["percent"]
    assert _names(admin_client.get(f"{LIST}?q=%5C")) == []


def test_filters_by_role_status_and_confirmation(app, admin_client, admin, make_user):
    make_user(username="mod", role=RoleName.MODERATOR)
    make_user(username="sus", status=UserStatus.SUSPENDED.value)
    make_user(username="new", status=UserStatus.UNVERIFIED.value)
    assert _names(admin_client.get(f"{LIST}?role=moderator")) == ["mod"]
    assert _names(admin_client.get(f"{LIST}?status=suspended")) == ["sus"]
    assert _names(admin_client.get(f"{LIST}?confirmed=no")) == ["new"]
    assert "new" not in _names(admin_client.get(f"{LIST}?confirmed=yes"))
    both = admin_client.get(f"{LIST}?role=admin&status=active&confirmed=yes")
    assert _names(both) == ["root"]


def test_sorts(app, admin_client, admin, make_user, make_article):
    _aged(app, admin, 5)
    zed, amy = make_user(username="zed"), make_user(username="amy")
    _aged(app, zed, 4)
    _aged(app, amy, 3)
    make_article(zed)
    make_article(zed)
    make_article(amy)
    with app.app_context():
        db.session.get(User, amy.id).last_login_at = utcnow()
        db.session.get(User, admin.id).last_login_at = utcnow() - timedelta(days=1)
        db.session.commit()
    assert _names(admin_client.get(f"{LIST}?sort=oldest")) == ["root", "zed", "amy"]
    assert _names(admin_client.get(f"{LIST}?sort=username")) == ["amy", "root", "zed"]
    assert _names(admin_client.get(f"{LIST}?sort=last-sign-in")) == ["amy", "root", "zed"]
    assert _names(admin_client.get(f"{LIST}?sort=articles"))[:2] == ["zed", "amy"]


@pytest.mark.parametrize(
    "query",
    [
        "?role=emperor",
        "?status=%00",
        "?confirmed=maybe",
        "?sort=DROP TABLE users",
        "?role=" + "x" * 5000,
        "?q=%20%20",
    ],
)
def test_malformed_filters_are_ignored(admin_client, admin, make_user, query):
    make_user(username="mia")
    assert sorted(_names(admin_client.get(LIST + query))) == ["mia", "root"]


@pytest.mark.parametrize("query", ["?q=" + "a" * 255, "?q=" + "界" * 3000, "?q=a%00b"])
def test_a_search_no_address_could_match_is_refused(admin_client, admin, query):
    assert admin_client.get(LIST + query).status_code == 400


@pytest.mark.parametrize("page", ["0", "-1", "abc", "9" * 30, "99999999"])
def test_pages_that_cannot_exist_are_404(admin_client, admin, page):
    assert admin_client.get(f"{LIST}?page={page}").status_code == 404


def test_the_list_is_paged_keeping_the_filters(app, admin_client, admin, make_user, monkeypatch):
    monkeypatch.setattr(people, "PER_PAGE", 2)
    for n in range(3):
        _aged(app, make_user(username=f"page{n}"), 3 - n)
    first = admin_client.get(f"{LIST}?q=page")
    assert _names(first) == ["page2", "page1"]
    assert "/admin/people?page=2&amp;q=page" in first.get_data(as_text=True)
    assert _names(admin_client.get(f"{LIST}?q=page&page=2")) == ["page0"]


# --------------------------------------------------------------------------- bulk actions


def test_a_bulk_action_is_confirmed_before_it_applies(app, admin_client, admin, make_user):
    mia, ned = make_user(username="mia"), make_user(username="ned")
    confirm = _bulk(admin_client, ["mia", "ned"], "suspend")
    assert confirm.status_code == 200
    text = page_text(confirm)
    assert "Suspend these 2 people?" in text
    assert 'name="usernames" value="mia"' in text
    assert 'name="usernames" value="ned"' in text
    assert _reload(app, mia).status == "active"  # nothing changed yet
    applied = _bulk(admin_client, ["mia", "ned"], "suspend", apply=True)
    assert redirect_target(applied) == LIST
    assert (_reload(app, mia).status, _reload(app, ned).status) == ("suspended", "suspended")
    [event] = _events(app, mia, Event.STATUS_CHANGED)
    assert event.actor_id == admin.id
    assert "Suspend: done for 2 people." in page_text(admin_client.get(LIST))


def test_a_bulk_action_reports_whom_it_left_alone_and_applies_to_the_rest(
    app, admin_client, admin, make_user, auth_headers
):
    mia = make_user(username="mia")
    headers = auth_headers(mia)
    gone = make_user(username="gone")
    with app.app_context():
        from inkstone.accounts.deletion import delete_account

        delete_account(user=db.session.get(User, gone.id), remove_content=False)
        db.session.commit()
    selection = ["root", "mia", f"deleted-{gone.id}", "nobody"]
    applied = _bulk(admin_client, selection, "suspend", apply=True)
    assert applied.status_code == 302
    assert _reload(app, admin).status == "active"
    assert _reload(app, mia).status == "suspended"
    text = page_text(admin_client.get(LIST))
    assert "root was left as they were: You cannot do this to your own account here." in text
    assert f"deleted-{gone.id} was left as they were: This account was deleted." in text
    assert "nobody was left as they were: There is nobody with that username." in text
    assert "Suspend: done for 1 person." in text
    # The suspended person's API token stops working at once.
    assert admin_client.get("/api/v1/user", headers=headers).status_code == 401


def test_bulk_reinstate_and_set_role(app, admin_client, admin, make_user):
    sus = make_user(username="sus", status=UserStatus.SUSPENDED.value)
    new = make_user(username="new", status=UserStatus.UNVERIFIED.value)
    _bulk(admin_client, ["sus", "new"], "reinstate", apply=True)
    assert _reload(app, sus).status == "active"
    assert _reload(app, new).status == "unverified"  # only suspensions are lifted
    confirm = _bulk(admin_client, ["sus", "new"], "set-role", "moderator")
    assert "Give these 2 people exactly the role “Moderator”?" in page_text(confirm)
    _bulk(admin_client, ["sus", "new"], "set-role", "moderator", apply=True)
    assert _reload(app, sus).role_names == _reload(app, new).role_names == {"moderator"}
    [event] = _events(app, sus, Event.ROLES_CHANGED)
    assert (event.actor_id, event.detail["after"]) == (admin.id, ["moderator"])


def test_bulk_without_a_selection_an_action_or_a_role_says_so(admin_client, admin, make_user):
    make_user(username="mia")
    nobody = admin_client.post(
        f"{LIST}/bulk", data={"csrf_token": csrf_token(admin_client, LIST), "action": "suspend"}
    )
    assert redirect_target(nobody) == LIST
    assert "Select at least one person and an action." in page_text(admin_client.get(LIST))
    no_role = _bulk(admin_client, ["mia"], "set-role")
    assert no_role.status_code == 302
    assert "Choose the role to give." in page_text(admin_client.get(LIST))


@pytest.mark.parametrize(
    "data",
    [
        {"usernames": [f"user{n}" for n in range(101)], "action": "suspend"},
        {"usernames": ["mia"], "action": "delete-everything"},
        {"usernames": ["mia"], "action": "set-role", "role": "emperor"},
        {"usernames": ["x" * 5000], "action": "suspend"},
    ],
)
def test_bulk_refuses_oversized_or_unknown_choices(app, admin_client, admin, make_user, data):
    mia = make_user(username="mia")
    token = csrf_token(admin_client, LIST)
    for path in (f"{LIST}/bulk", f"{LIST}/bulk/apply"):
        assert admin_client.post(path, data={**data, "csrf_token": token}).status_code == 400
    assert _reload(app, mia).status == "active"


def test_bulk_needs_the_csrf_token(app, admin_client, admin, make_user):
    mia = make_user(username="mia")
    assert _bulk(admin_client, ["mia"], "suspend", apply=True, token=False).status_code == 400
    assert _reload(app, mia).status == "active"


def test_bulk_goes_back_to_the_filtered_list_but_never_off_site(admin_client, admin, make_user):
    make_user(username="mia")
    token = csrf_token(admin_client, LIST)
    data = {"csrf_token": token, "usernames": ["mia"], "action": "suspend"}
    back = admin_client.post(f"{LIST}/bulk/apply", data={**data, "back": "/admin/people?q=m"})
    assert redirect_target(back) == "/admin/people?q=m"
    away = admin_client.post(f"{LIST}/bulk/apply", data={**data, "back": "//evil.example/"})
    assert redirect_target(away) == LIST
