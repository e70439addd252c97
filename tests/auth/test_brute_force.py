"""After several failed sign-ins for an email address, the web form asks for a captcha too.

The count is per address tried (registered or not), from the web form and the API alike, in
the last hour; a successful sign-in starts it again. A captcha is not a rate limit: it works
with ``RATELIMIT_ENABLED=false``, which is how the test app runs. The API has no captcha:
its clients cannot show one (the per-account rate limit protects it; see test_rate_limits).
"""

from __future__ import annotations

import os
import re
import secrets

import pytest

from inkstone import create_app
from inkstone.auth import passwords
from inkstone.auth import throttle as captcha
from tests.conftest import (
    DEFAULT_PASSWORD,
    FAST_HASHER,
    app_config,
    csrf_token,
    field_errors,
    page_text,
    redirect_target,
    require_service,
)

REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")

THRESHOLD = 5  # CAPTCHA_AFTER_FAILURES
ANSWER = "K7RMX"
WRONG_LOGIN = "Wrong email or password."
CAPTCHA_NEEDED = "Several attempts to sign in with this email address have failed."
CAPTCHA_WRONG = "Those characters do not match the picture. Please try this new one."
# What differs on every page: CSP nonces, and the CSRF token's timestamp.
_VOLATILE = re.compile(r' nonce="[^"]*"|(?<=name="csrf_token" type="hidden" value=")[^"]*')


@pytest.fixture(autouse=True)
def cheap_dummy_hash(monkeypatch):
    """Unknown addresses check a cheap stand-in hash here (its cost is not what is tested)."""
    monkeypatch.setattr(passwords, "_DUMMY_HASH", FAST_HASHER.hash("inkstone-dummy-password"))


@pytest.fixture(autouse=True)
def known_captcha(monkeypatch):
    """Every picture shows ANSWER, so a test can type it as a person would."""
    monkeypatch.setattr(captcha, "new_text", lambda: ANSWER)


@pytest.fixture
def verify_calls(monkeypatch):
    """Count the argon2 verifications (how a test sees that a password was checked)."""
    calls: list[str] = []
    hasher = passwords._hasher

    class Counting:
        def __getattr__(self, name):
            return getattr(hasher, name)

        def verify(self, password_hash, password):
            calls.append(password)
            return hasher.verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    return calls


def _login(client, email, password="wrong password", **extra):
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": password}
    return client.post("/login", data={**data, **extra})


def _api_login(client, email, password="wrong password"):
    return client.post("/api/v1/users/login", json={"user": {"email": email, "password": password}})


def _fail(client, email, times=THRESHOLD):
    for _ in range(times):
        assert WRONG_LOGIN in page_text(_login(client, email))


def _shows_captcha(response):
    return 'name="captcha"' in response.get_data(as_text=True)


def _signed_in(client):
    return client.get("/settings").status_code == 200


def _look_at_picture(client):
    """Load the picture, as the browser does after the page (it starts the challenge)."""
    picture = client.get("/captcha.png")
    assert picture.status_code == 200
    assert picture.mimetype == "image/png"


# --------------------------------------------------------------------------- when it appears


def test_no_captcha_before_five_failures(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org", times=THRESHOLD - 1)
    assert not _shows_captcha(client.get("/login"))
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD)
    assert redirect_target(response) == "/"


def test_the_fifth_failure_brings_the_captcha(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org", times=THRESHOLD - 1)
    response = _login(client, "reader@example.org")
    assert WRONG_LOGIN in page_text(response)
    page = response.get_data(as_text=True)
    assert _shows_captcha(response)
    # Accessible: a described picture, a way to get another one, a labelled field.
    image = re.search(r'<img src="/captcha.png"[^>]*>', page, re.S)
    assert image is not None
    assert 'alt="Security check: a picture of 5 or 6 distorted' in image.group(0)
    assert "Show a new picture" in page
    field = re.search(r'<input[^>]*name="captcha"[^>]*>', page).group(0)
    field_id = re.search(r'id="([^"]+)"', field).group(1)
    assert f'<label class="form-label" for="{field_id}">Characters in the picture</label>' in page
    assert 'autocomplete="off"' in field
    assert "required" in field
    assert "Not case-sensitive." in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_failures_through_the_api_count_too(client, make_user):
    make_user(email="reader@example.org")
    for _ in range(THRESHOLD):
        assert _api_login(client, "reader@example.org").status_code == 401
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert CAPTCHA_NEEDED in page_text(response)
    assert not _signed_in(client)


def test_the_count_is_per_email_address(client, make_user):
    make_user(email="reader@example.org")
    make_user(email="other@example.org")
    _fail(client, "reader@example.org")
    assert not _shows_captcha(_login(client, "other@example.org"))
    assert redirect_target(_login(client, "other@example.org", DEFAULT_PASSWORD)) == "/"


def test_unknown_addresses_get_the_captcha_like_real_accounts(client, make_user, verify_calls):
    """Otherwise the captcha itself would tell which addresses have an account."""
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    _fail(client, "nobody@example.org")
    verify_calls.clear()
    registered = _login(client, "reader@example.org")
    unknown = _login(client, "nobody@example.org")
    assert verify_calls == []  # neither password was even checked
    pages = [
        _VOLATILE.sub("", page_text(r).replace(email, "EMAIL"))
        for r, email in ((registered, "reader@example.org"), (unknown, "nobody@example.org"))
    ]
    assert pages[0] == pages[1]
    assert CAPTCHA_NEEDED in pages[0]


def test_a_new_picture_link_keeps_the_address(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    page = client.get("/login")  # where "Show a new picture" leads
    assert _shows_captcha(page)
    assert 'value="reader@example.org"' in page.get_data(as_text=True)
    _look_at_picture(client)
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD, captcha=ANSWER)
    assert redirect_target(response) == "/"


# --------------------------------------------------------------------------- what it asks


def test_the_right_password_without_the_captcha_is_refused(client, make_user, verify_calls):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    verify_calls.clear()
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert CAPTCHA_NEEDED in page_text(response)
    assert field_errors(response, "captcha") == ["Type the characters in the picture."]
    assert verify_calls == []
    assert not _signed_in(client)


def test_a_wrong_answer_is_refused_even_with_the_right_password(client, make_user, verify_calls):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    _look_at_picture(client)
    verify_calls.clear()
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD, captcha="WRONG")
    assert field_errors(response, "captcha") == [CAPTCHA_WRONG]
    assert _shows_captcha(response)  # with a new picture to try
    assert verify_calls == []
    assert not _signed_in(client)


def test_the_right_answer_and_password_sign_in(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    _look_at_picture(client)
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD, captcha=" k7r mx ")
    assert redirect_target(response) == "/"
    assert _signed_in(client)


def test_the_right_answer_with_a_wrong_password_is_a_failed_sign_in(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    _look_at_picture(client)
    response = _login(client, "reader@example.org", "still wrong", captcha=ANSWER)
    assert WRONG_LOGIN in page_text(response)
    assert _shows_captcha(response)


def test_an_answer_works_once(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    _look_at_picture(client)
    assert WRONG_LOGIN in page_text(_login(client, "reader@example.org", captcha=ANSWER))
    # The same answer again, without loading the new picture: refused.
    response = _login(client, "reader@example.org", DEFAULT_PASSWORD, captcha=ANSWER)
    assert field_errors(response, "captcha") == [CAPTCHA_WRONG]
    assert not _signed_in(client)


def test_a_successful_sign_in_starts_the_count_again(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    _look_at_picture(client)
    _login(client, "reader@example.org", DEFAULT_PASSWORD, captcha=ANSWER)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert not _shows_captcha(client.get("/login"))
    _fail(client, "reader@example.org", times=THRESHOLD - 1)  # no captcha all along
    assert redirect_target(_login(client, "reader@example.org", DEFAULT_PASSWORD)) == "/"


def test_a_sign_in_through_the_api_starts_the_count_again(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    assert _api_login(client, "reader@example.org", DEFAULT_PASSWORD).status_code == 200
    assert redirect_target(_login(client, "reader@example.org", DEFAULT_PASSWORD)) == "/"


def test_the_api_never_asks_for_a_captcha(client, make_user):
    make_user(email="reader@example.org")
    _fail(client, "reader@example.org")
    for _ in range(2):
        assert _api_login(client, "reader@example.org").status_code == 401
    response = _api_login(client, "reader@example.org", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert response.json["user"]["email"] == "reader@example.org"


def test_the_captcha_can_be_turned_off(db, make_limited_app, make_user):
    """CAPTCHA_AFTER_FAILURES=0: never a captcha (the rate limits still apply)."""
    limited = make_limited_app(CAPTCHA_AFTER_FAILURES=0, RATELIMIT_SIGNIN="100/minute")
    client = limited.test_client()
    make_user(email="reader@example.org")
    for _ in range(THRESHOLD + 1):
        assert not _shows_captcha(_login(client, "reader@example.org"))
    assert redirect_target(_login(client, "reader@example.org", DEFAULT_PASSWORD)) == "/"


@pytest.mark.redis
def test_failures_are_counted_in_redis_across_hosts(db, tmp_path, database_url, make_user):
    """Scaled out: a failure counted by one host brings the captcha on another."""
    require_service("Redis", bool(REDIS_URL), "set INKSTONE_TEST_REDIS_URL=redis://…")
    config = app_config(
        tmp_path, database_url, RATELIMIT_ENABLED=False, RATELIMIT_STORAGE_URI=REDIS_URL
    )
    # An address of its own, so earlier runs against the same Redis do not count.
    email = f"reader-{secrets.token_hex(6)}@example.org"
    make_user(email=email)
    hosts = [create_app(config), create_app(config)]
    try:
        first, second = (host.test_client() for host in hosts)
        for _ in range(THRESHOLD):
            assert _api_login(first, email).status_code == 401
        assert _shows_captcha(second.get("/login")) is False  # a new browser: no address yet
        response = _login(second, email, DEFAULT_PASSWORD)
        assert CAPTCHA_NEEDED in page_text(response)
        assert _api_login(first, email, DEFAULT_PASSWORD).status_code == 200
        assert redirect_target(_login(second, email, DEFAULT_PASSWORD)) == "/"
    finally:
        for host in hosts:
            with host.app_context():
                db.engine.dispose()
