"""The site settings page: who may open it, what saving does, and each setting on the site."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.auth.audit import Event
from inkstone.auth.models import AuditEvent, UserStatus
from inkstone.core.site import SiteSetting
from inkstone.extensions import db
from tests.conftest import csrf_token, field_errors, page_text, redirect_target

PAGE = "/admin/settings"


def _form(**changes):
    """Return the settings form as a browser sends it: the defaults, with ``changes``."""
    data = {
        "site_name": "Inkstone",
        "tagline": "",
        "registration": "open",
        "announcement": "",
        "default_language": "",
        "comments_enabled": "y",
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


def _save(client, **changes):
    data = {"csrf_token": csrf_token(client, PAGE), **_form(**changes)}
    return client.post(PAGE, data=data)


def _events(app, kind=Event.SITE_SETTINGS_CHANGED):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind.value)))


def _saved_keys(app):
    with app.app_context():
        return set(db.session.scalars(select(SiteSetting.key)))


# --------------------------------------------------------------------------- who may


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert redirect_target(response).startswith("/login")


def test_moderators_may_not_open_or_post_the_settings(moderator_client):
    assert moderator_client.get(PAGE).status_code == 403
    token = csrf_token(moderator_client, "/settings")
    response = moderator_client.post(PAGE, data={"csrf_token": token, **_form(site_name="Mine")})
    assert response.status_code == 403
    assert moderator_client.get("/").status_code == 200
    assert "Mine" not in page_text(moderator_client.get("/"))


def test_the_menu_offers_settings_and_invitations_to_admins_only(admin_client, moderator_client):
    page = page_text(admin_client.get(PAGE))
    assert 'href="/admin/settings"' in page
    assert 'href="/admin/invitations"' in page
    other = page_text(moderator_client.get("/admin/"))
    assert 'href="/admin/settings"' not in other
    assert 'href="/admin/invitations"' not in other


def test_the_page_shows_the_settings_in_force(admin_client):
    page = page_text(admin_client.get(PAGE))
    assert 'name="site_name"' in page
    assert 'value="Inkstone"' in page
    assert 'type="radio"' in page
    assert 'value="invite"' in page
    assert '<option selected value="">' in page


# --------------------------------------------------------------------------- saving


def test_saving_changes_only_what_changed_and_audits_it(app, admin_client, admin):
    response = _save(admin_client, site_name="Brushwood", tagline="Notes from the hills")
    assert redirect_target(response) == PAGE
    assert "The site settings were saved." in page_text(admin_client.get(PAGE))
    assert _saved_keys(app) == {"site_name", "tagline"}
    [event] = _events(app)
    assert event.actor_id == admin.id
    assert event.detail["changed"] == ["site_name", "tagline"]
    assert event.detail["before"] == {"site_name": "Inkstone", "tagline": ""}
    assert event.detail["after"] == {"site_name": "Brushwood", "tagline": "Notes from the hills"}
    # Saving the same values again changes nothing and logs nothing.
    _save(admin_client, site_name="Brushwood", tagline="Notes from the hills")
    assert len(_events(app)) == 1


def test_the_name_shows_in_titles_and_the_navbar(admin_client, client):
    _save(admin_client, site_name="Brushwood")
    page = page_text(client.get("/"))
    assert "<title>" in page
    assert "Brushwood</title>" in page
    assert 'class="navbar-brand fw-bold text-success" href="/">Brushwood</a>' in page
    assert "Sign up · Brushwood</title>" in page_text(client.get("/register"))


def test_the_tagline_shows_in_the_footer(admin_client, client):
    assert "A place to share your knowledge." in page_text(client.get("/login"))
    _save(admin_client, tagline="Notes from the hills")
    page = page_text(client.get("/login"))
    assert "Inkstone · Notes from the hills" in page
    assert "A place to share your knowledge." not in page


def test_the_announcement_shows_on_every_page_until_cleared(admin_client, client):
    _save(admin_client, announcement="Maintenance **tonight** at 22:00")
    for path in ("/", "/login", "/register", "/guestbook", PAGE):
        browser = admin_client if path == PAGE else client
        page = page_text(browser.get(path))
        assert "Maintenance <strong>tonight</strong> at 22:00" in page, path
        assert 'aria-label="Announcement"' in page
    _save(admin_client, announcement="")
    assert "Maintenance" not in page_text(client.get("/"))
    assert 'aria-label="Announcement"' not in page_text(client.get("/"))


def test_html_in_the_announcement_is_sanitised(app, admin_client, client):
    _save(
        admin_client,
        announcement=(
            '<script>alert(1)</script><img src=x onerror="alert(2)">[go](javascript:alert(3)) ok'
        ),
    )
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "onerror" not in page
    assert 'href="javascript:' not in page
    assert "ok" in page
    with app.app_context():
        stored = db.session.get(SiteSetting, "announcement_html")
        assert stored is not None
        assert "<script" not in stored.value


def test_the_default_language_serves_a_browser_that_names_none(admin_client, client):
    assert 'lang="en"' in page_text(client.get("/"))
    _save(admin_client, default_language="zh_CN")
    page = page_text(client.get("/"))
    assert '<html lang="zh-CN"' in page
    assert "跳到主要内容" in page
    # A browser that asks for English, or a reader who chose it, still gets English.
    assert '<html lang="en"' in page_text(client.get("/", headers={"Accept-Language": "en"}))
    client.set_cookie("locale", "en")
    assert '<html lang="en"' in page_text(client.get("/"))


def test_an_unlisted_browser_language_falls_back_to_the_default(admin_client, client):
    _save(admin_client, default_language="zh_CN")
    page = page_text(client.get("/", headers={"Accept-Language": "fr-FR, de;q=0.8"}))
    assert '<html lang="zh-CN"' in page


def test_requiring_confirmation_stops_unconfirmed_writers(
    app, admin_client, make_user, auth_headers
):
    newcomer = make_user("newcomer", status=UserStatus.UNVERIFIED.value)
    article = {"article": {"title": "Hello", "description": "d", "body": "b"}}
    headers = auth_headers(newcomer)
    client = app.test_client()
    assert client.post("/api/v1/articles", json=article, headers=headers).status_code == 201
    _save(admin_client, require_email_confirmation="y")
    response = client.post("/api/v1/articles", json=article, headers=headers)
    assert response.status_code == 403
    assert response.json == {
        "errors": {"email": ["confirm your email address first"]},
        "code": "auth.forbidden",
    }
    _save(admin_client, require_email_confirmation=None)  # the box unticked
    assert client.post("/api/v1/articles", json=article, headers=headers).status_code == 201


def test_turning_comments_off_is_saved(app, admin_client):
    _save(admin_client, comments_enabled=None)
    with app.app_context():
        assert db.session.get(SiteSetting, "comments_enabled").value is False


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"site_name": "x" * 81}, "site_name", "Use at most 80 characters."),
        ({"site_name": "   "}, "site_name", "Give the site a name."),
        ({"tagline": "x" * 201}, "tagline", "Use at most 200 characters."),
        ({"announcement": "x" * 2001}, "announcement", "Use at most 2000 characters."),
        ({"registration": "sometimes"}, "registration", "Choose one of the options."),
        ({"default_language": "fr"}, "default_language", "Choose a language from the list."),
    ],
)
def test_bad_values_are_shown_under_their_field_and_not_saved(
    app, admin_client, changes, field, message
):
    response = _save(admin_client, **changes)
    assert response.status_code == 200
    if field == "registration":
        assert message in page_text(response)
    else:
        assert message in field_errors(response, field)
    assert _saved_keys(app) == set()
    assert _events(app) == []


def test_a_post_without_a_csrf_token_is_refused(app, admin_client):
    response = admin_client.post(PAGE, data=_form(site_name="Forged"))
    assert response.status_code == 400
    assert _saved_keys(app) == set()
