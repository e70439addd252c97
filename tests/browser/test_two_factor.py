"""Two-factor authentication in a real browser: set it up from the page, sign in with a code."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import PASSWORD, register, sign_out

pytestmark = pytest.mark.slow


def test_set_up_an_authenticator_app_then_sign_in_with_a_code(new_page):
    page, errors = new_page()
    username = register(page, "otp")
    page.goto("/settings/two-factor")
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator("svg.segno")).to_be_visible()
    # What a person types in their app when they cannot scan: the key as the page shows it.
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(key).now())
    with page.expect_navigation(url=re.compile(r"/recovery-codes$")):
        page.get_by_role("button", name="Turn on two-factor authentication").click()
    codes = page.locator("[data-code]").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a text file").click()
    saved = download.value.path().read_text()
    assert all(code in saved for code in codes)
    page.get_by_role("button", name="I have saved them").click()
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()
    sign_out(page)

    page.goto("/login")
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"/login/two-factor$")):
        page.get_by_role("button", name="Sign in", exact=True).click()
    # The next step's code: the set-up used this step's, and a code is never taken twice.
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).at(time.time() + 30))
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("link", name=username).first).to_be_visible()
    assert errors.console == []
    assert errors.uncaught == []
