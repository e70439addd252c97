"""Security headers: a strict CSP with a fresh nonce per response, and HTTPS-only extras."""

from __future__ import annotations

import re

import pytest

from inkstone.app import create_app
from inkstone.extensions import db
from tests.conftest import app_config, csrf_token

NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-+/=]+)'")


def _nonce(response) -> str:
    match = NONCE.search(response.headers["Content-Security-Policy"])
    assert match, response.headers["Content-Security-Policy"]
    return match.group(1)


def test_pages_carry_a_strict_csp_whose_nonce_is_on_every_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    nonce = _nonce(response)
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts), scripts


def test_the_nonce_is_new_for_every_response(client):
    assert _nonce(client.get("/")) != _nonce(client.get("/"))


@pytest.mark.parametrize("path", ["/", "/api/v1/tags", "/no/such/page"])
def test_every_response_denies_framing_sniffing_and_spare_features(client, path):
    headers = client.get(path).headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def test_plain_http_gets_no_hsts_and_cookies_stay_usable(client):
    response = client.get("/guestbook")
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def https_app(app, tmp_path, database_url):
    secure = create_app(
        app_config(tmp_path, database_url, PREFERRED_URL_SCHEME="https", TRUSTED_PROXIES=1)
    )
    yield secure
    with secure.app_context():
        db.engine.dispose()


def test_behind_a_tls_proxy_hsts_and_secure_cookies_are_sent(https_app):
    client = https_app.test_client()
    response = client.get("/guestbook", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Secure" in response.headers["Set-Cookie"]
    assert csrf_token(client)  # the site still works


def test_forwarded_headers_are_ignored_without_trusted_proxies(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_an_error_page_raised_before_any_hook_still_gets_a_matching_nonce(client):
    response = client.post("/guestbook", data={"name": "n", "body": "b"})  # no CSRF token
    assert response.status_code == 400
    nonce = _nonce(response)
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
