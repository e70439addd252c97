"""The back office in a real browser: an admin's rounds, and what a moderator may not open."""

from __future__ import annotations

import itertools
import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from inkstone.articles.services import create_article
from inkstone.auth.models import RoleName
from inkstone.auth.services import register_user
from inkstone.core.site import save_site_settings
from inkstone.extensions import db

pytestmark = pytest.mark.slow

PASSWORD = "a-long-back-office-password"
_people = itertools.count(1)


def _person(live_server, name: str, role: RoleName = RoleName.AUTHOR) -> str:
    """Create a confirmed account directly and return its username (unlike other tests')."""
    username = f"office{name}{next(_people)}"
    with live_server.app.app_context():
        register_user(
            username=username,
            email=f"{username}@example.org",
            password=PASSWORD,
            role=role,
            confirmed=True,
        )
        db.session.commit()
    return username


def _article(live_server, username: str, title: str) -> str:
    from sqlalchemy import select

    from inkstone.auth.models import User

    with live_server.app.app_context():
        author = db.session.scalar(select(User).where(User.username == username))
        assert author is not None
        article = create_article(
            author=author, title=title, description="Spam", body="Buy now.", tag_list=["spam"]
        )
        db.session.commit()
        return article.slug


def _sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign in", exact=True).click()


def _api(live_server, path: str, *, token: str | None = None, body: dict | None = None) -> int:
    request = urllib.request.Request(
        live_server.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Token {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _token(live_server, username: str) -> str:
    request = urllib.request.Request(
        live_server.url + "/api/v1/users/login",
        data=json.dumps(
            {"user": {"email": f"{username}@example.org", "password": PASSWORD}}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["user"]["token"])


@pytest.fixture
def settings_restored(live_server):
    """Put the site settings back after the test (the live server is shared)."""
    yield
    with live_server.app.app_context():
        save_site_settings(changes={"site_name": "Inkstone", "registration": "open"}, actor_id=None)
        db.session.commit()


def test_an_admin_finds_suspends_resolves_and_reconfigures(
    new_page, live_server, settings_restored
):
    admin = _person(live_server, "chief", RoleName.ADMIN)
    spammer = _person(live_server, "spammer")
    reporter = _person(live_server, "reader", RoleName.READER)
    slug = _article(live_server, spammer, f"Cheap pills {spammer}")
    spammer_token = _token(live_server, spammer)
    assert _api(live_server, "/api/v1/user", token=spammer_token) == 200

    # A reader reports the article from its page.
    reader_page, _ = new_page()
    _sign_in(reader_page, reporter)
    reader_page.goto(f"/article/{slug}")
    reader_page.get_by_role("link", name="Report this article").click()
    reader_page.get_by_label("Reason").fill("Advertising, not an article.")
    reader_page.get_by_role("button", name="Send report").click()
    expect(reader_page.get_by_text("Thank you", exact=False).first).to_be_visible()

    # The admin opens the back office from the navigation bar: the dashboard and its charts.
    page, _ = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Suspend …?" asks first
    _sign_in(page, admin)
    page.get_by_role("link", name="Back office").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.get_by_text("Open reports").first).to_be_visible()

    # Finds the spammer among the people and suspends them: their token stops working.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="People").click()
    page.get_by_label("Username or email").fill(spammer[:-1])
    page.get_by_role("main").get_by_role("button", name="Search").click()  # not the navbar's
    page.get_by_role("link", name=spammer, exact=True).click()
    expect(page.get_by_role("heading", name=spammer)).to_be_visible()
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_text(f"{spammer} is suspended", exact=False).first).to_be_visible()
    assert _api(live_server, "/api/v1/user", token=spammer_token) == 401

    # Resolves the report by hiding the article: gone for visitors.
    page.get_by_role("navigation", name="Back office").get_by_role("link", name="Reports").click()
    expect(page.get_by_text("Advertising, not an article.")).to_be_visible()
    page.get_by_role("button", name="Hide").first.click()
    expect(page.get_by_text("Advertising, not an article.")).to_have_count(0)
    assert _api(live_server, f"/api/v1/articles/{slug}") == 404

    # Renames the site and closes registration: the home page and the sign-up page follow.
    page.get_by_role("navigation", name="Back office").get_by_role(
        "link", name="Site settings"
    ).click()
    page.get_by_label("Site name").fill("Inkwell Review")
    page.get_by_label("Closed: nobody may sign up").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The site settings were saved.")).to_be_visible()

    visitor, _ = new_page()
    visitor.goto("/")
    expect(visitor).to_have_title(re.compile("Inkwell Review"))
    expect(visitor.get_by_role("link", name="Inkwell Review").first).to_be_visible()
    # Asked beside the page (a 403 document would be logged as a console error).
    refused = visitor.request.get("/register")
    assert refused.status == 403
    assert "Sign-up is closed" in refused.text()
    assert 'name="password"' not in refused.text()  # no form to fill


def test_a_moderator_sees_moderation_but_not_site_settings(new_page, live_server):
    moderator = _person(live_server, "keeper", RoleName.MODERATOR)
    page, _ = new_page()
    _sign_in(page, moderator)
    page.get_by_role("link", name="Back office").click()
    menu = page.get_by_role("navigation", name="Back office")
    expect(menu.get_by_role("link", name="Moderation")).to_be_visible()
    expect(menu.get_by_role("link", name="Reports")).to_be_visible()
    expect(menu.get_by_role("link", name="Site settings")).to_have_count(0)
    expect(menu.get_by_role("link", name="People")).to_have_count(0)
    menu.get_by_role("link", name="Moderation").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # With the moderator's cookies, beside the page (a 403 document logs a console error).
    assert page.request.get("/admin/settings").status == 403
    assert page.request.get("/admin/people").status == 403
