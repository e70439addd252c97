"""The notification pages: the list, read marks, opening one, and the preferences form."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from inkstone.extensions import db
from inkstone.notifications import services
from inkstone.notifications.models import Kind, Notification, NotificationPreference
from tests.conftest import csrf_token, page_text, redirect_target


@pytest.fixture
def browser(app, db, ana, sign_in) -> Any:
    """A browser signed in as ``ana``."""
    client = app.test_client()
    sign_in(client, ana)
    return client


def _follow(client, auth_headers, follower, name="ana") -> None:
    response = client.post(f"/api/v1/profiles/{name}/follow", headers=auth_headers(follower))
    assert response.status_code == 200


def _ids(app, user) -> list[int]:
    with app.app_context():
        query = select(Notification.id).where(Notification.user_id == user.id)
        return sorted(db.session.scalars(query))


def test_the_list_shows_each_notification_unread_first_marked(
    app, browser, client, ana, ben, cai, auth_headers, make_article
):
    article = make_article(ana, title="Night <b>rain</b>")
    _follow(client, auth_headers, ben)
    client.post(f"/api/v1/articles/{article.slug}/favorite", headers=auth_headers(cai))

    page = browser.get("/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = page_text(page)
    assert "ben" in text
    assert "followed you" in text
    assert "favorited" in text
    assert "Night &lt;b&gt;rain&lt;/b&gt;" in html  # a title is text, never markup
    assert html.count("notification-unread") == 2
    assert "Mark all read" in text
    assert html.index("favorited") < html.index("followed you")  # newest first


def test_mark_all_and_one_read(app, browser, client, ana, ben, cai, auth_headers):
    _follow(client, auth_headers, ben)
    _follow(client, auth_headers, cai)
    first, second = _ids(app, ana)
    token = csrf_token(browser, "/notifications")

    one = browser.post(f"/notifications/{first}/read", data={"csrf_token": token})
    assert redirect_target(one) == f"/notifications#n-{first}"
    with app.app_context():
        assert services.unread_count(user_id=ana.id) == 1
    assert browser.post(f"/notifications/{first}/read").status_code == 400  # no CSRF token

    everything = browser.post("/notifications/read", data={"csrf_token": token})
    assert redirect_target(everything) == "/notifications"
    with app.app_context():
        assert services.unread_count(user_id=ana.id) == 0
    assert "notification-unread" not in browser.get("/notifications").get_data(as_text=True)
    assert second  # both were listed


def test_opening_one_marks_it_read_and_goes_to_its_target(
    app, browser, client, ana, ben, auth_headers
):
    _follow(client, auth_headers, ben)
    (only,) = _ids(app, ana)
    opened = browser.get(f"/notifications/{only}/open")
    assert redirect_target(opened) == "/profile/ben"
    with app.app_context():
        assert services.unread_count(user_id=ana.id) == 0


def test_someone_elses_notification_is_not_found(app, client, ana, ben, cai, auth_headers, sign_in):
    _follow(client, auth_headers, ben)
    (hers,) = _ids(app, ana)
    intruder = app.test_client()
    sign_in(intruder, cai)
    assert intruder.get(f"/notifications/{hers}/open").status_code == 404
    token = csrf_token(intruder, "/notifications")
    assert (
        intruder.post(f"/notifications/{hers}/read", data={"csrf_token": token}).status_code == 404
    )
    with app.app_context():
        assert services.unread_count(user_id=ana.id) == 1
    assert intruder.get("/notifications/99999999999999999999999/open").status_code == 404


def test_pages_need_a_signed_in_reader(client):
    for path in ("/notifications", "/notifications/preferences", "/notifications/1/open"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("page", ["0", "abc", "-1", "9" * 30])
def test_bad_page_numbers_are_404(browser, page):
    assert browser.get(f"/notifications?page={page}").status_code == 404


def test_preferences_form_saves_non_defaults_only(app, browser, ana):
    page = browser.get("/notifications/preferences")
    assert page.status_code == 200
    text = page_text(page)
    assert "New followers" in text
    assert "daily email digest" in text
    token = csrf_token(browser, "/notifications/preferences")
    choices = {kind.value: services.DEFAULT_CHANNELS[kind].value for kind in Kind}
    choices.update({"follow": "digest", "favorite": "off"})
    saved = browser.post("/notifications/preferences", data={"csrf_token": token, **choices})
    assert redirect_target(saved) == "/notifications/preferences"
    with app.app_context():
        rows = db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == ana.id)
        )
        assert {(r.kind, r.channel) for r in rows} == {("follow", "digest"), ("favorite", "off")}
    again = page_text(browser.get("/notifications/preferences"))
    assert 'value="digest" selected' in again or "selected" in again


def test_a_made_up_channel_is_refused_on_the_form(app, browser, ana):
    token = csrf_token(browser, "/notifications/preferences")
    choices = {kind.value: "site" for kind in Kind}
    refused = browser.post(
        "/notifications/preferences", data={"csrf_token": token, **choices, "follow": "pigeon"}
    )
    assert refused.status_code == 200
    assert "Not a valid choice" in page_text(refused)
    with app.app_context():
        assert services.preferences(user_id=ana.id)[Kind.FOLLOW] is services.Channel.SITE


def test_the_settings_page_links_to_the_preferences(browser):
    page = browser.get("/settings")
    assert page.status_code == 200
    assert 'href="/notifications/preferences"' in page.get_data(as_text=True)
