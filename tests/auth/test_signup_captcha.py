"""The sign-up form asks for the captcha after several sign-ups from one IP in an hour."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.auth import throttle as captcha
from inkstone.auth.models import User
from tests.conftest import csrf_token, field_errors, page_text

HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
PASSWORD = "correct horse battery"


@pytest.fixture
def text_is(monkeypatch):
    """Make the next pictures show ``text``."""

    def show(text):
        monkeypatch.setattr(captcha, "new_text", lambda: text)

    return show


def _from(ip: str) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def sign_up(client, name: str, *, ip: str = HOME, **extra: str):
    """Post the sign-up form from ``ip`` as a browser would (a fresh page, its token)."""
    page = client.get("/register", **_from(ip))
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": name,
        "email": f"{name}@example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **extra,
    }
    answer = client.post("/register", data=data, **_from(ip))
    return page, answer


def sign_out(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})


def account(app, name: str) -> User | None:
    with app.app_context():
        from inkstone.extensions import db

        return db.session.scalar(select(User).where(User.username == name))


def shows_captcha(response) -> bool:
    return 'name="captcha"' in response.get_data(as_text=True)


def three_sign_ups(client) -> None:
    for name in ("ann", "bob", "cyd"):
        page, answer = sign_up(client, name)
        assert not shows_captcha(page)
        assert answer.status_code == 302, page_text(answer)
        sign_out(client)


def test_the_fourth_sign_up_from_one_ip_needs_the_captcha(app, client, text_is):
    three_sign_ups(client)
    text_is("AC3D7")
    page = client.get("/register", **_from(HOME))
    assert shows_captcha(page)
    assert '<img src="/captcha.png"' in page.get_data(as_text=True)

    _page, refused = sign_up(client, "dee")
    assert refused.status_code == 200
    assert "Several accounts were made from your network" in page_text(refused)
    assert field_errors(refused, "captcha") == ["Type the characters in the picture."]
    assert account(app, "dee") is None

    client.get("/captcha.png", **_from(HOME))
    _page, made = sign_up(client, "dee", captcha=" ac3 d7 ")
    assert made.status_code == 302
    assert account(app, "dee") is not None


def test_a_wrong_answer_is_refused_and_uses_the_picture_up(app, client, text_is):
    three_sign_ups(client)
    text_is("AC3D7")
    client.get("/captcha.png", **_from(HOME))
    _page, refused = sign_up(client, "dee", captcha="WRONG")
    assert refused.status_code == 200
    assert field_errors(refused, "captcha") == [
        "Those characters do not match the picture. Please try this new one."
    ]
    assert account(app, "dee") is None
    # The picture was used up by the wrong answer: its right answer no longer works either.
    _page, again = sign_up(client, "dee", captcha="AC3D7")
    assert again.status_code == 200
    assert account(app, "dee") is None


def test_another_ip_is_not_asked(app, client):
    three_sign_ups(client)
    page, made = sign_up(client, "eve", ip=ELSEWHERE)
    assert not shows_captcha(page)
    assert made.status_code == 302
    assert account(app, "eve") is not None


def test_api_sign_ups_count_too(app, client):
    for name in ("ann", "bob", "cyd"):
        body = {"user": {"username": name, "email": f"{name}@example.org", "password": PASSWORD}}
        created = client.post("/api/v1/users", json=body, **_from(HOME))
        assert created.status_code == 201
    assert shows_captcha(client.get("/register", **_from(HOME)))
    assert not shows_captcha(client.get("/register", **_from(ELSEWHERE)))


def test_accounts_made_outside_a_request_count_for_no_one(app, client, make_user):
    for name in ("ann", "bob", "cyd", "dan"):
        make_user(username=name, email=f"{name}@example.org")
    assert not shows_captcha(client.get("/register", **_from(HOME)))


def test_a_refused_sign_up_is_not_counted(app, client):
    for _ in range(4):
        _page, refused = sign_up(client, "ann", confirm="something else")
        assert refused.status_code == 200
    assert not shows_captcha(client.get("/register", **_from(HOME)))


def test_counting_works_with_rate_limits_off(app, client):
    assert app.config["RATELIMIT_ENABLED"] is False  # the test app's default
    three_sign_ups(client)
    assert shows_captcha(client.get("/register", **_from(HOME)))


def test_zero_turns_the_sign_up_captcha_off(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_AFTER_SIGNUPS", 0)
    three_sign_ups(client)
    _page, made = sign_up(client, "dee")
    assert not shows_captcha(_page)
    assert made.status_code == 302
