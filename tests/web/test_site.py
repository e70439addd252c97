"""Site-wide behaviour: language and time zone choice, assets, safe redirects, error pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from inkstone.app import create_app
from inkstone.extensions import db
from inkstone.web.formatting import time_ago, time_tag
from inkstone.web.redirects import safe_next
from inkstone.web.site import page_window
from tests.conftest import app_config, csrf_token

HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def page_lang(response) -> str:
    match = HTML_LANG.search(response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr;q=0.9, zh-CN;q=0.5", "zh-CN"),
        ("garbage;;;q=x", "en"),
    ],
)
def test_the_page_language_follows_accept_language(client, header, lang):
    headers = {"Accept-Language": header} if header else {}
    assert page_lang(client.get("/", headers=headers)) == lang


def test_the_switcher_sets_a_cookie_that_beats_accept_language(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"locale": "zh_CN", "next": "/guestbook", "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/guestbook"
    assert "locale=zh_CN" in response.headers["Set-Cookie"]
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "zh-CN"


def test_a_visitor_switches_without_a_session_but_a_signed_in_user_needs_the_token(
    client, make_user, sign_in, app
):
    # a visitor's choice is only a cookie in their browser: no token, no session needed
    response = client.post("/language", data={"locale": "zh_CN"})
    assert response.status_code == 302
    assert "locale=zh_CN" in response.headers["Set-Cookie"]
    # a signed-in user's switch changes their account: it must carry the CSRF token
    user = make_user()
    sign_in(client, user)
    refused = client.post("/language", data={"locale": "en"})
    assert refused.status_code == 400
    with app.app_context():
        from inkstone.auth.models import User

        assert db.session.get(User, user.id).locale is None


def test_reading_the_site_as_a_visitor_sets_no_cookie(client, make_user, make_article):
    article = make_article(make_user(), tag_list=["ink"])
    for path in (
        "/",
        f"/article/{article.slug}",
        "/tag/ink",
        "/profile/" + article.author.username,
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_the_switcher_never_sends_you_off_site(client, target):
    token = csrf_token(client)
    response = client.post("/language", data={"locale": "en", "next": target, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(client):
    token = csrf_token(client)
    response = client.post("/language", data={"locale": "xx", "csrf_token": token})
    assert response.status_code == 302
    assert "Set-Cookie" not in response.headers or "locale=" not in response.headers["Set-Cookie"]


def test_a_signed_in_users_setting_beats_the_cookie_and_the_switcher_updates_it(
    client, make_user, sign_in, app
):
    user = make_user(locale="zh_CN")
    sign_in(client, user)
    client.set_cookie("locale", "en")
    assert page_lang(client.get("/")) == "zh-CN"
    token = csrf_token(client)
    client.post("/language", data={"locale": "en", "csrf_token": token})
    assert page_lang(client.get("/", headers={"Accept-Language": "zh-CN"})) == "en"
    with app.app_context():
        from inkstone.auth.models import User

        assert db.session.get(User, user.id).locale == "en"


# --------------------------------------------------------------------------- time


def test_times_show_in_the_viewers_zone_and_language(app):
    moment = datetime(2026, 1, 2, 23, 30, tzinfo=UTC)
    with app.test_request_context("/", headers={"Cookie": "tz=Asia/Shanghai"}):
        tag = str(time_tag(moment))
        assert 'datetime="2026-01-02T23:30:00Z"' in tag
        assert "January 3, 2026" in tag  # already the 3rd in Shanghai
    with app.test_request_context("/", headers={"Cookie": "tz=Not/AZone"}):
        assert "January 2, 2026" in str(time_tag(moment))  # an unknown zone reads as UTC


def test_relative_times_in_both_languages(app):
    three_hours_ago = datetime.now(UTC) - timedelta(hours=3)
    with app.test_request_context("/"):
        assert time_ago(three_hours_ago) == "3 hours ago"
        with force_locale("zh_CN"):
            assert time_ago(three_hours_ago) == "3小时前"


# --------------------------------------------------------------------------- assets


def test_static_assets_are_fingerprinted_and_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/(?:bootstrap/)?static/[^"]+)"', page)
    assert urls, "no static assets on the page"
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{10}$", url), url
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache
        assert "immutable" in cache
        assert "no-cache" not in cache


def test_pages_carry_no_inline_script_or_style(client):
    page = client.get("/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ok\r\nSet-Cookie: x=1",
        "/" + "a" * 3000,
    ],
)
def test_safe_next_refuses_anything_off_site(target):
    assert safe_next(target, default="/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/editor", "/article/x?y=1#z", "/tag/%E4%B8%AD"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target, default="/home") == target


def test_page_window_links_first_last_and_neighbours():
    assert list(page_window(1, 1)) == [1]
    assert list(page_window(1, 4)) == [1, 2, 3, 4]
    assert list(page_window(10, 20)) == [1, None, 8, 9, 10, 11, 12, None, 20]


# --------------------------------------------------------------------------- error pages


def test_a_missing_page_is_a_styled_html_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Page not found" in body
    assert 'href="/"' in body  # a way back home
    assert "site.css" in body  # the site's own layout


def test_a_wrong_method_is_a_styled_405(client):
    response = client.get("/language")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_styled_500_without_internals(tmp_path, database_url):
    app = create_app(app_config(tmp_path, database_url))

    @app.get("/__boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body
    assert "secret internals" not in body
