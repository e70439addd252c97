"""The browser reaches the site and the site's pages load clean."""

from __future__ import annotations


def test_the_home_page_loads_without_errors(page, live_server):
    response = page.goto("/")
    assert response is not None
    assert response.status == 200
    assert page.locator("nav").first.is_visible()
    assert page.title()


def test_the_api_documentation_renders_the_spec(page):
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 19
