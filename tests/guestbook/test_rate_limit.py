"""Signing the guestbook is rate limited per address: the site's 429 page, with Retry-After."""

from __future__ import annotations

import pytest

from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import IsolatedClient, count_rows, csrf_token

PAGE = "/guestbook"


@pytest.fixture
def limited_app(db, make_limited_app):
    """An app with a limit of 2 messages a minute, on the test's rolled-back database."""
    limited = make_limited_app(RATELIMIT_GUESTBOOK="2/minute")
    limited.test_client_class = IsolatedClient
    return limited


def _sign(client, token, n, address="192.0.2.1"):
    return client.post(
        PAGE,
        data={"csrf_token": token, "name": f"Guest {n}", "body": "Hello"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_too_many_messages_get_the_429_page(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, PAGE)
    assert [_sign(client, token, n).status_code for n in range(2)] == [302, 302]

    response = _sign(client, token, 3)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Too many requests" in html
    assert "Please wait a little and try again." in html
    assert int(response.headers["Retry-After"]) > 0
    with limited_app.app_context():
        assert count_rows(GuestbookMessage) == 2


def test_reading_is_not_limited(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, PAGE)
    for n in range(2):
        _sign(client, token, n)
    for _ in range(5):
        assert client.get(PAGE).status_code == 200


def test_invalid_messages_count_towards_the_limit(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, PAGE)
    for _ in range(2):
        blank = client.post(
            PAGE,
            data={"csrf_token": token, "name": "", "body": ""},
            environ_base={"REMOTE_ADDR": "192.0.2.1"},
        )
        assert blank.status_code == 200
    assert _sign(client, token, 1).status_code == 429
    with limited_app.app_context():
        assert count_rows(GuestbookMessage) == 0


def test_the_limit_is_per_address(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client, PAGE)
    for n in range(2):
        _sign(client, token, n, address="192.0.2.1")
    assert _sign(client, token, 3, address="192.0.2.1").status_code == 429
    assert _sign(client, token, 4, address="198.51.100.7").status_code == 302
