"""No provider configured: no buttons, no routes that do anything."""

from __future__ import annotations

from tests.conftest import csrf_token, page_text


def test_no_buttons_and_no_routes(client, make_user, sign_in):
    for path in ("/login", "/register"):
        assert "Continue with" not in page_text(client.get(path))
    token = csrf_token(client, "/login")
    assert client.post("/login/with/mock", data={"csrf_token": token}).status_code == 404
    assert client.get("/login/with/mock/callback?code=x&state=y").status_code == 404
    sign_in(client, make_user())
    page = page_text(client.get("/settings/connected-accounts"))
    assert "does not offer sign-in with other accounts" in page
