"""The sign-up captcha in a real browser: after three sign-ups from one IP, the fourth is asked."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from inkstone.auth import throttle

pytestmark = pytest.mark.slow

_people = itertools.count(1)
PASSWORD = "a-long-browser-password"


def fill_sign_up(page) -> str:
    username = f"captcha{next(_people)}"
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    return username


def test_the_fourth_sign_up_shows_the_picture_and_needs_its_answer(new_page, monkeypatch):
    for _ in range(3):
        page, _errors = new_page()
        username = fill_sign_up(page)
        expect(page.get_by_label("Characters in the picture")).to_have_count(0)
        with page.expect_navigation(url=re.compile(r"/$")):
            page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("link", name=username).first).to_be_visible()
        page.goto("about:blank")  # leave: each signed-in page holds a notification stream

    monkeypatch.setattr(throttle, "new_text", lambda: "AC3D7")
    page, _errors = new_page()
    username = fill_sign_up(page)
    picture = page.locator("#captcha-picture img")
    expect(picture).to_be_visible()
    # The picture really loaded (a broken image has no natural width).
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )

    page.get_by_label("Characters in the picture").fill("WRONG")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Those characters do not match the picture")).to_be_visible()

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Characters in the picture").fill("ac3d7")
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("link", name=username).first).to_be_visible()
