"""Search in a real browser: the navbar's box, ranked and highlighted results, the Chinese UI."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inkstone.articles.services import create_article
from inkstone.auth.models import RoleName, User
from inkstone.auth.services import register_user
from inkstone.extensions import db

pytestmark = pytest.mark.slow

_people = itertools.count(1)


def _author_with(live_server, articles: list[tuple[str, str, list[str]]]) -> str:
    """Create an author (named for this file) with these (title, body, tags) articles."""
    username = f"seeker{next(_people)}"
    with live_server.app.app_context():
        register_user(
            username=username,
            email=f"{username}@example.org",
            password="a-long-search-password",
            role=RoleName.AUTHOR,
            confirmed=True,
        )
        db.session.commit()
        author = db.session.scalar(select(User).where(User.username == username))
        for title, body, tags in articles:
            create_article(author=author, title=title, description="", body=body, tag_list=tags)
            db.session.commit()
    return username


def test_a_reader_searches_from_the_navbar_in_both_languages(page, live_server):
    author = _author_with(
        live_server,
        [
            ("Kingfishers of the river", "A note on birds: kingfishers dive fast.", ["birds"]),
            ("A walk by the river", "We saw a kingfisher once, far away.", ["walks"]),
            ("在图书馆读书", "周末去图书馆读书，借了三本关于翠鸟的书。", ["读书"]),
        ],
    )
    page.goto("/")
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill("kingfisher")
    with page.expect_navigation(url=re.compile(r"/search\?q=kingfisher")):
        box.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("2 articles found")
    titles = page.locator(".search-result h2")
    expect(titles.first).to_have_text("Kingfishers of the river")  # the title match first
    expect(page.locator(".search-snippet mark").first).to_have_text(re.compile("kingfisher", re.I))
    expect(page.get_by_role("searchbox").first).to_have_value("kingfisher")  # the box keeps it

    # Filters are kept as the reader narrows the search.
    page.get_by_text("Sort and filter").click()
    page.get_by_label("Author").fill(author)
    page.get_by_label("Tag").fill("walks")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("1 article found")
    expect(titles.first).to_have_text("A walk by the river")

    # One Chinese character (with a word, so only this test's article), in the Chinese UI.
    page.goto("/search?q=翠鸟+书")
    page.get_by_role("button", name=re.compile("Language")).click()
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("status")).to_contain_text("找到 1 篇文章")
    expect(titles.first).to_have_text("在图书馆读书")
    expect(page.locator(".search-snippet mark").first).to_have_text("书")
