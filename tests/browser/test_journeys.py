"""What a reader and a writer do, in a real browser: every step through the pages themselves."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

_people = itertools.count(1)
PASSWORD = "a-long-browser-password"


def register(page, name: str) -> str:
    """Sign up through the form and return the username (signed in afterwards)."""
    username = f"{name}{next(_people)}"
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("link", name=username).first).to_be_visible()
    return username


def sign_out(page) -> None:
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign in", exact=True).click()


def write(page, title: str, body: str, tags: str, button: str) -> None:
    """Fill the editor; wait for the live preview; press ``button``."""
    page.goto("/editor")
    page.get_by_label("Title").fill(title)
    page.get_by_label("What's this article about?").fill(f"All about {title}")
    page.get_by_label("Article (Markdown)").fill(body)
    tags_input = page.get_by_label("Tags")
    for tag in tags.split(","):
        tags_input.press_sequentially(tag)
        tags_input.press("Enter")
    with page.expect_navigation(url=re.compile(r"/article/")):
        page.get_by_role("button", name=button, exact=True).click()


def test_write_read_comment_favorite_follow_and_your_feed(new_page):
    writer_page, _ = new_page()
    writer = register(writer_page, "writer")
    sign_out(writer_page)
    sign_in(writer_page, writer)  # the account works for a fresh sign-in too

    body = (
        "# Dragons\n\nThey **fly**.\n\n```python\nprint('fire')\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    writer_page.goto("/editor")
    writer_page.get_by_label("Article (Markdown)").fill(body)
    preview = writer_page.locator("#preview-pane")
    preview.locator("h1", has_text="Dragons").wait_for()  # the live preview, rendered by the server
    expect(preview.locator("strong", has_text="fly")).to_be_visible()
    expect(preview.locator("table")).to_have_count(1)

    title = f"Training dragons {writer}"
    write(writer_page, title, body, "dragons,training", "Publish")
    expect(writer_page.get_by_role("heading", name=title)).to_be_visible()
    expect(writer_page.locator(".article-body h1", has_text="Dragons")).to_be_visible()
    assert writer_page.locator(".article-body pre .highlight, .article-body pre.highlight").count()
    article_url = writer_page.url

    reader_page, _ = new_page()
    register(reader_page, "reader")
    reader_page.goto(article_url)
    question = "Which dragon is the friendliest?"
    reader_page.get_by_role("textbox", name="Write a comment").fill(question)
    reader_page.get_by_role("button", name="Post comment").click()
    reader_page.get_by_text(question).wait_for()

    reader_page.get_by_role("button", name=re.compile("Favorite article")).first.click()
    reader_page.get_by_role("button", name=re.compile("Unfavorite article")).first.wait_for()
    reader_page.get_by_role("button", name=f"Follow {writer}").first.click()
    reader_page.get_by_role("button", name=f"Unfollow {writer}").first.wait_for()

    reader_page.goto("/")
    reader_page.get_by_role("link", name="Your feed").click()
    expect(reader_page.get_by_role("heading", name=title)).to_be_visible()

    writer_page.goto(article_url)
    expect(writer_page.get_by_text(question)).to_be_visible()


def test_save_a_draft_then_publish_it(new_page):
    page, _ = new_page()
    author = register(page, "drafter")
    title = f"Half-finished thoughts {author}"
    write(page, title, "Not ready *yet*.", "ideas", "Save draft")
    expect(page.get_by_text("Draft", exact=True).first).to_be_visible()

    other, other_errors = new_page()
    response = other.goto(page.url)
    assert response is not None
    assert response.status == 404  # nobody else sees a draft
    other_errors.console.clear()  # the browser logs that 404, which is the point here
    other.goto("/")
    expect(other.get_by_role("heading", name=title)).to_have_count(0)

    page.goto(f"/profile/{author}")
    page.get_by_role("link", name="Drafts").click()
    page.get_by_role("link", name=title).first.click()
    with page.expect_navigation(url=re.compile(r"/article/")):
        page.get_by_role("button", name="Publish").first.click()

    other.goto("/")
    expect(other.get_by_role("heading", name=title)).to_be_visible()


def test_switching_the_language_to_chinese(new_page):
    page, _ = new_page()
    page.goto("/")
    page.locator("#language-menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    page.goto("/guestbook")
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # the choice sticks


def test_a_375_pixel_phone_screen(new_page):
    page, _ = new_page(width=375, height=740, is_mobile=True, has_touch=True)
    for path in ("/", "/login", "/register", "/guestbook", "/editor"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    page.goto("/")
    toggler = page.get_by_role("button", name="Menu")
    assert toggler.is_visible()
    toggler.click()
    page.get_by_role("link", name="Guestbook").wait_for(state="visible")


def test_keyboard_users_can_reach_the_menu_and_see_focus(new_page):
    page, _ = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_the_language_menu_works_from_the_keyboard(new_page):
    page, _ = new_page()
    page.goto("/")
    page.locator("#language-menu").focus()
    page.keyboard.press("Enter")  # opens the menu
    page.get_by_role("button", name="简体中文").wait_for(state="visible")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "简体中文"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
