"""Passkeys in Chromium with a virtual authenticator (Chrome DevTools Protocol's WebAuthn).

Browsers refuse an IP address as the relying party id, so these pages open the live server
as ``http://localhost:<port>`` (a secure context, like https) rather than 127.0.0.1.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inkstone.auth.factors import Passkey, TotpDevice
from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.extensions import db
from tests.browser.conftest import BrowserErrors, _watch

pytestmark = pytest.mark.slow

PASSWORD = "a-long-passkey-password"
_people = itertools.count(1)


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page on ``localhost`` with a virtual platform authenticator (verifies the user)."""
    port = live_server.server.server_port
    context = browser.new_context(base_url=f"http://localhost:{port}")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = BrowserErrors()
    _watch(page, errors)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    yield page
    context.close()
    assert errors.console == [], "console errors:\n" + "\n".join(errors.console)
    assert errors.uncaught == [], "uncaught exceptions:\n" + "\n".join(errors.uncaught)


def register(page: Any) -> str:
    username = f"keyholder{next(_people)}"
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign up").click()
    return username


def add_passkey(page: Any, name: str) -> None:
    page.goto("/settings/passkeys")
    page.get_by_label("Name", exact=True).fill(name)
    with page.expect_navigation(url=re.compile(r"/settings/passkeys$")):
        page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text(f"Passkey “{name}” added.")).to_be_visible()
    expect(page.get_by_role("list", name="Your passkeys")).to_contain_text(name)


def sign_out(page: Any) -> None:
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def sign_in_with_passkey(page: Any, username: str) -> None:
    page.goto("/login")
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text(f"Welcome back, {username}!")).to_be_visible()
    expect(page.get_by_role("link", name=username).first).to_be_visible()


def test_register_a_passkey_sign_out_and_sign_in_with_it(page, live_server):
    username = register(page)
    add_passkey(page, "Virtual key")
    sign_out(page)
    sign_in_with_passkey(page, username)  # no password typed
    page.goto("/settings/passkeys")
    expect(page.get_by_role("list", name="Your passkeys")).to_contain_text("Last used")


def test_a_passkey_sign_in_skips_the_code_of_an_authenticator_app(page, live_server):
    username = register(page)
    add_passkey(page, "Virtual key")
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert db.session.scalar(select(Passkey.id).where(Passkey.user_id == user.id))
        db.session.add(
            TotpDevice(user_id=user.id, secret="JBSWY3DPEHPK3PXP", confirmed_at=utcnow())
        )
        db.session.commit()
    sign_out(page)
    sign_in_with_passkey(page, username)
    assert "/login/two-factor" not in page.url


def test_a_passkey_as_the_second_factor_after_the_password(page, live_server):
    username = register(page)
    add_passkey(page, "Virtual key")
    sign_out(page)
    page.goto("/login")
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/login/two-factor$")):
        page.get_by_role("button", name="Sign in", exact=True).click()
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Use a passkey instead").click()
    expect(page.get_by_text(f"Welcome back, {username}!")).to_be_visible()
