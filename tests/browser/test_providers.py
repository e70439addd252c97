"""Continue with a provider, in Chromium: our button, the provider's own page, back signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.auth.providers.mock import mock_issuer, provider_settings, set_claims
from tests.browser.conftest import LiveServer, serve_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with mock_issuer() as url:
        yield url


@pytest.fixture(scope="module")
def provider_site(tmp_path_factory: pytest.TempPathFactory, issuer: str) -> Iterator[LiveServer]:
    """The site with the mock provider configured, served on loopback with its own database."""
    instance = tmp_path_factory.mktemp("providers-instance")
    with serve_site(instance, "provider-site", **provider_settings(issuer)) as site:
        yield site


def test_continue_with_a_provider_signs_up_and_in(browser: Any, provider_site: LiveServer, issuer):
    set_claims(
        issuer,
        "reader-42",
        email="reader42@example.net",
        email_verified=True,
        preferred_username="reader42",
    )
    context = browser.new_context(base_url=provider_site.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    try:
        page.goto("/login")
        page.get_by_role("button", name="Continue with Mock").click()
        page.wait_for_url(re.compile(r"localhost:\d+/oauth2/authorize"))
        page.get_by_placeholder("sub").fill("reader-42")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(re.escape(provider_site.url) + r"/$"))
        expect(page.get_by_role("link", name="reader42").first).to_be_visible()
        page.goto("/settings/connected-accounts")
        expect(page.get_by_text("reader42@example.net")).to_be_visible()
    finally:
        context.close()
    # Errors on our pages only: the provider's own page is not ours to judge.
    assert [e for e in errors if not e.startswith(issuer)] == []
