"""Hostile form input never gives a 500: NUL characters, huge values, wrong types, junk."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token

FORMS = {
    "/login": {"email": "a@example.org", "password": "x"},
    "/register": {"username": "u", "email": "u@example.org", "password": "p", "confirm": "p"},
    "/guestbook": {"name": "n", "body": "b"},
    "/editor": {"title": "t", "description": "d", "body": "b", "tags": "x", "action": "publish"},
    "/settings": {"username": "u", "email": "u@example.org", "bio": "b", "image": ""},
    "/language": {"locale": "en", "next": "/"},
}
JUNK = ["nul\x00inside", "\x00", "x" * 200_000, "\u202e\ufeff", "<script>alert(1)</script>", "   "]


@pytest.fixture
def signed_in_client(client, make_user, sign_in):
    sign_in(client, make_user(username="hostile"))
    return client


@pytest.mark.parametrize("path", list(FORMS))
@pytest.mark.parametrize("junk", JUNK, ids=["nul", "only-nul", "huge", "bidi", "html", "blank"])
def test_junk_in_any_field_is_a_clear_4xx_or_the_form_again(signed_in_client, path, junk):
    client = signed_in_client
    token = csrf_token(client)
    for field in FORMS[path]:
        data = {**FORMS[path], field: junk, "csrf_token": token}
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, field, response.status_code)


@pytest.mark.parametrize("path", list(FORMS))
def test_a_body_that_is_not_a_form_is_refused_cleanly(signed_in_client, path):
    response = signed_in_client.post(path, data=b"\xff\xfe\x00junk", content_type="text/plain")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("path", list(FORMS))
def test_invalid_utf8_in_a_form_is_not_a_500(signed_in_client, path):
    token = csrf_token(signed_in_client)
    fields = "&".join(f"{name}=%FF%FE%C0%AF" for name in FORMS[path])
    response = signed_in_client.post(
        path,
        data=f"csrf_token={token}&{fields}".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


def test_a_nul_is_refused_with_a_message_and_nothing_is_stored(signed_in_client, app):
    token = csrf_token(signed_in_client)
    response = signed_in_client.post(
        "/guestbook", data={"name": "Eve", "body": "hi\x00there", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    with app.app_context():
        from inkstone.guestbook.models import GuestbookMessage
        from tests.conftest import count_rows

        assert count_rows(GuestbookMessage) == 0
