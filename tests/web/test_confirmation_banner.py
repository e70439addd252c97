"""Signed-in users whose address is unconfirmed see a banner with a resend button."""

from __future__ import annotations

from tests.conftest import page_text

BANNER = "Please confirm your email address"


def test_an_unconfirmed_user_sees_the_banner_and_can_resend_from_it(
    app, client, make_user, sign_in
):
    user = make_user(username="newbie", status="unverified")
    sign_in(client, user)
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert BANNER in page_text(page)
    assert user.email in html
    assert 'action="/settings/confirmation"' in html
    # The settings page has its own confirmation section: no banner above it.
    assert BANNER not in page_text(client.get("/settings"))
    outbox = app.extensions["mailman"].outbox
    outbox.clear()
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/settings/confirmation", data={"csrf_token": token})
    assert response.status_code == 302
    assert [message.to for message in outbox] == [[user.email]]


def test_confirmed_users_and_visitors_see_no_banner(client, make_user, sign_in):
    assert BANNER not in page_text(client.get("/"))
    sign_in(client, make_user())
    assert BANNER not in page_text(client.get("/"))
