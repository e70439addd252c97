"""The bell in a real browser: what others do through the API shows on it without a reload."""

from __future__ import annotations

import itertools
import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import register

pytestmark = pytest.mark.slow

_others = itertools.count(1)


def call_api(live_server, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """Call the site's API over HTTP, as another person's client would."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(  # the live server's own http:// address
        f"{live_server.url}/api/v1{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # as above
        return json.loads(response.read() or b"null")


def follow_through_the_api(live_server, username: str) -> None:
    """Sign up someone new through the API and follow ``username`` from there."""
    name = f"follower{next(_others)}"
    user = call_api(
        live_server,
        "POST",
        "/users",
        {"user": {"username": name, "email": f"{name}@example.org", "password": "pw-" * 6}},
    )["user"]
    call_api(live_server, "POST", f"/profiles/{username}/follow", token=user["token"])


def test_the_bell_counts_new_followers_live(new_page, live_server):
    page, _ = new_page()
    username = register(page, "belled")
    bell = page.locator("#notification-bell")
    badge = bell.locator("[data-unread-badge]")
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(badge).to_be_hidden()
    title = page.title()

    follow_through_the_api(live_server, username)
    expect(badge).to_have_text("1")  # without reloading
    expect(badge).to_be_visible()
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(page).to_have_title(f"(1) {title}")

    follow_through_the_api(live_server, username)
    expect(badge).to_have_text("2")
    expect(page).to_have_title(f"(2) {title}")

    # The next page starts from the count it is rendered with, and keeps listening.
    page.goto("/")
    expect(badge).to_have_text("2")
    follow_through_the_api(live_server, username)
    expect(badge).to_have_text("3")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
