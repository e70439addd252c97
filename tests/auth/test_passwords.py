"""Passwords: the policy for new ones (every door), argon2id rehash on sign-in, and no timing
or wording difference between an unknown email and a wrong password."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select

from inkstone.auth import forms, passwords, services
from inkstone.auth.models import User
from inkstone.auth.passwords import TOO_COMMON, TOO_LONG, TOO_PERSONAL, TOO_SHORT
from inkstone.core.errors import Invalid
from inkstone.extensions import db
from tests.conftest import (
    APP_HASHER,
    DEFAULT_PASSWORD,
    FAST_HASHER,
    count_rows,
    csrf_token,
    field_errors,
    page_text,
    redirect_target,
)

USERNAME, EMAIL = "Wanderer", "riverwalker@example.org"
GOOD = "a walk along the misty river"
# (password, the policy's reason, what the web pages say)
WEAK = [
    ("x" * 7, TOO_SHORT, "Use between 8 and 128 characters."),
    ("x" * 129, TOO_LONG, "Use between 8 and 128 characters."),
    ("password", TOO_COMMON, "This password is too common. Choose one that is harder to guess."),
    ("qwerty123", TOO_COMMON, "This password is too common. Choose one that is harder to guess."),
    ("PassWord", TOO_COMMON, "This password is too common. Choose one that is harder to guess."),
    ("wanderer", TOO_PERSONAL, "Your password must not be your username or email address."),
    (" Wanderer ", TOO_PERSONAL, "Your password must not be your username or email address."),
    (EMAIL.upper(), TOO_PERSONAL, "Your password must not be your username or email address."),
    ("RiverWalker", TOO_PERSONAL, "Your password must not be your username or email address."),
]
WEAK_IDS = [
    "7 chars",
    "129 chars",
    "password",
    "qwerty123",
    "PassWord",
    "username",
    "username spaced",
    "email",
    "email local part",
]


# --------------------------------------------------------------------------- the policy


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize(("password", "reason", "_message"), WEAK, ids=WEAK_IDS)
def test_the_service_refuses_weak_passwords(password, reason, _message):
    with pytest.raises(Invalid) as refused:
        services.register_user(username=USERNAME, email=EMAIL, password=password)
    assert refused.value.errors() == {"password": [reason]}


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize("password", ["x" * 8 + "!", "k" * 128, GOOD, DEFAULT_PASSWORD])
def test_the_service_accepts_good_passwords(password):
    # 8 and 128 characters are the limits, inclusive ("xxxxxxxx" alone is a common password).
    user = services.register_user(username=USERNAME, email=EMAIL, password=password)
    assert passwords.verify_password(user.password_hash, password)


@pytest.mark.usefixtures("app_ctx")
def test_exactly_eight_characters_is_enough():
    user = services.register_user(username=USERNAME, email=EMAIL, password="tq8#vLm2")
    assert passwords.verify_password(user.password_hash, "tq8#vLm2")


@pytest.mark.usefixtures("app_ctx")
def test_a_new_password_is_checked_against_the_new_username(make_user):
    user = make_user(username="first", email="first@example.org")
    changes = {"username": "renamed-user", "password": "Renamed-User"}
    with pytest.raises(Invalid) as refused:
        services.update_user(user=user, changes=changes)
    assert refused.value.errors() == {"password": [TOO_PERSONAL]}


# --------------------------------------------------------------------------- the API


@pytest.mark.parametrize(("password", "reason", "_message"), WEAK, ids=WEAK_IDS)
def test_the_api_refuses_weak_passwords_on_registration(client, password, reason, _message):
    body = {"user": {"username": USERNAME, "email": EMAIL, "password": password}}
    response = client.post("/api/v1/users", json=body)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["password"]
    assert response.json["errors"]["password"]  # the schema or the policy says why
    if reason in (TOO_COMMON, TOO_PERSONAL):
        assert response.json == {"errors": {"password": [reason]}, "code": "request.invalid"}


def test_the_api_accepts_a_good_passphrase(client):
    body = {"user": {"username": USERNAME, "email": EMAIL, "password": GOOD}}
    assert client.post("/api/v1/users", json=body).status_code == 201


@pytest.mark.parametrize("password", ["password", "PassWord", "qwerty123"])
def test_the_api_refuses_a_weak_new_password(app, client, make_user, auth_headers, password):
    user = make_user(username=USERNAME, email=EMAIL)
    response = client.put(
        "/api/v1/user", json={"user": {"password": password}}, headers=auth_headers(user)
    )
    assert response.status_code == 422
    assert response.json == {"errors": {"password": [TOO_COMMON]}, "code": "request.invalid"}
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
        assert passwords.verify_password(stored, DEFAULT_PASSWORD)


# --------------------------------------------------------------------------- the web site


def _register(client, password, username=USERNAME, email=EMAIL):
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "username": username,
        "email": email,
        "password": password,
        "confirm": password,
    }
    return client.post("/register", data=data)


@pytest.mark.parametrize(("password", "_reason", "message"), WEAK, ids=WEAK_IDS)
def test_the_sign_up_form_says_why_under_the_password(app, client, password, _reason, message):
    response = _register(client, password)
    assert response.status_code == 200
    assert field_errors(response, "password") == [message]
    with app.app_context():
        assert count_rows(User) == 0


def test_the_sign_up_form_accepts_a_good_passphrase(app, client):
    assert _register(client, GOOD).status_code == 302
    with app.app_context():
        assert count_rows(User) == 1


def test_the_sign_up_form_shows_the_services_refusal_under_the_field(app, client, monkeypatch):
    """A rule only the service knows still lands under the field, not on an error page."""
    monkeypatch.setattr(forms, "password_problem", lambda *_args, **_kwargs: None)
    response = _register(client, "qwerty123")
    assert response.status_code == 200
    assert field_errors(response, "password") == [forms.password_message(TOO_COMMON)]
    with app.app_context():
        assert count_rows(User) == 0


def _settings(client, user, new_password, **changes):
    data = {
        "csrf_token": csrf_token(client, "/settings"),
        "image": "",
        "username": user.username,
        "bio": "",
        "email": user.email,
        "locale": "",
        "timezone": "",
        "new_password": new_password,
        "confirm_password": new_password,
        "current_password": DEFAULT_PASSWORD,
        **changes,
    }
    return client.post("/settings", data=data)


@pytest.mark.parametrize(("password", "_reason", "message"), WEAK, ids=WEAK_IDS)
def test_the_settings_form_says_why_under_the_new_password(
    app, client, make_user, sign_in, password, _reason, message
):
    user = make_user(username=USERNAME, email=EMAIL)
    sign_in(client, user)
    response = _settings(client, user, password)
    assert response.status_code == 200
    assert field_errors(response, "new_password") == [message]
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
        assert passwords.verify_password(stored, DEFAULT_PASSWORD)


def test_the_settings_form_shows_the_services_refusal_under_the_field(
    client, make_user, sign_in, monkeypatch
):
    user = make_user(username=USERNAME, email=EMAIL)
    sign_in(client, user)
    monkeypatch.setattr(forms, "password_problem", lambda *_args, **_kwargs: None)
    response = _settings(client, user, "PassWord")
    assert response.status_code == 200
    assert field_errors(response, "new_password") == [forms.password_message(TOO_COMMON)]


def test_the_settings_form_accepts_a_good_passphrase(app, client, make_user, sign_in):
    user = make_user(username=USERNAME, email=EMAIL)
    sign_in(client, user)
    assert redirect_target(_settings(client, user, GOOD)) == "/settings"
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
        assert passwords.verify_password(stored, GOOD)


# --------------------------------------------------------------------------- the CLI


def _create_admin(cli_runner, password):
    args = ["users", "create-admin", "--username", "site-admin", "--email", "root@example.org"]
    return cli_runner.invoke(args=[*args, "--password", password])


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", TOO_COMMON),
        ("Qwerty123", TOO_COMMON),
        ("Site-Admin", TOO_PERSONAL),
        ("ROOT@example.org", TOO_PERSONAL),
    ],
)
def test_create_admin_refuses_a_weak_password_cleanly(app, cli_runner, password, reason):
    result = _create_admin(cli_runner, password)
    assert result.exit_code == 1
    assert f"Error: password: {reason}" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert count_rows(User) == 0


def test_create_admin_accepts_a_good_passphrase(app, cli_runner):
    result = _create_admin(cli_runner, GOOD)
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------- rehash


def _stored_hash(app, user_id):
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def _set_hash(app, user_id, password_hash):
    with app.app_context():
        db.session.get(User, user_id).password_hash = password_hash
        db.session.commit()


def _api_login(client, email, password=DEFAULT_PASSWORD):
    return client.post("/api/v1/users/login", json={"user": {"email": email, "password": password}})


def _web_login(client, email, password=DEFAULT_PASSWORD):
    data = {"csrf_token": csrf_token(client, "/login"), "email": email, "password": password}
    return client.post("/login", data=data)


@pytest.mark.parametrize("door", ["api", "web"])
def test_a_cheap_old_hash_is_upgraded_at_sign_in(app, client, make_user, monkeypatch, door):
    user = make_user(email="old@example.org")  # hashed with the tests' cheap parameters
    old_hash = _stored_hash(app, user.id)
    assert "m=8,t=1,p=1" in old_hash
    monkeypatch.setattr(passwords, "_hasher", APP_HASHER)  # today's production parameters
    if door == "api":
        assert _api_login(client, "old@example.org").status_code == 200
    else:
        assert redirect_target(_web_login(client, "old@example.org")) == "/"
    new_hash = _stored_hash(app, user.id)
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert f"m={APP_HASHER.memory_cost},t={APP_HASHER.time_cost}," in new_hash
    assert not APP_HASHER.check_needs_rehash(new_hash)
    assert APP_HASHER.verify(new_hash, DEFAULT_PASSWORD)


def test_an_argon2i_hash_becomes_argon2id(app, client, make_user):
    user = make_user(email="old@example.org")
    older = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.I)
    _set_hash(app, user.id, older.hash(DEFAULT_PASSWORD))
    assert _api_login(client, "old@example.org").status_code == 200
    new_hash = _stored_hash(app, user.id)
    assert new_hash.startswith("$argon2id$")
    assert passwords.verify_password(new_hash, DEFAULT_PASSWORD)


def test_a_current_hash_is_left_alone(app, client, make_user):
    user = make_user(email="current@example.org")
    before = _stored_hash(app, user.id)
    assert _api_login(client, "current@example.org").status_code == 200
    assert _stored_hash(app, user.id) == before


def test_a_wrong_password_never_rehashes(app, client, make_user, monkeypatch):
    user = make_user(email="old@example.org")
    before = _stored_hash(app, user.id)
    monkeypatch.setattr(passwords, "_hasher", APP_HASHER)
    assert _api_login(client, "old@example.org", "wrong password").status_code == 401
    assert _stored_hash(app, user.id) == before


# --------------------------------------------------------------------------- same path, same answer


@pytest.fixture
def verify_calls(monkeypatch):
    """Record every argon2 verification: one per attempt, whether the account exists or not."""
    calls: list[str] = []

    class Counting:
        def __getattr__(self, name):
            return getattr(FAST_HASHER, name)

        def verify(self, password_hash, password):
            calls.append(password_hash)
            return FAST_HASHER.verify(password_hash, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    return calls


# What differs on every page: CSP nonces, and the CSRF token's timestamp.
_VOLATILE = re.compile(r' nonce="[^"]*"|(?<=name="csrf_token" type="hidden" value=")[^"]*')


@pytest.fixture
def accounts(make_user):
    """A normal account and a suspended one (its right password must fail like the rest)."""
    make_user(email="reader@example.org")
    make_user(email="suspended@example.org", status="suspended")


ATTEMPTS = [
    ("nobody@example.org", DEFAULT_PASSWORD),  # unknown email
    ("reader@example.org", "wrong password"),  # wrong password
    ("suspended@example.org", DEFAULT_PASSWORD),  # an account that may not sign in
]


@pytest.mark.usefixtures("accounts")
def test_the_api_checks_one_hash_and_answers_the_same(client, verify_calls):
    answers = []
    for email, password in ATTEMPTS:
        verify_calls.clear()
        response = _api_login(client, email, password)
        assert len(verify_calls) == 1, email  # a dummy hash stands in for a missing account
        answers.append((response.status_code, response.headers["Content-Type"], response.data))
    assert answers[0][0] == 401
    assert answers.count(answers[0]) == len(ATTEMPTS)


@pytest.mark.usefixtures("accounts")
def test_the_web_form_checks_one_hash_and_answers_the_same(client, verify_calls):
    pages = []
    for email, password in ATTEMPTS:
        verify_calls.clear()
        response = _web_login(client, email, password)
        assert len(verify_calls) == 1, email
        assert response.status_code == 200
        pages.append(_VOLATILE.sub("", page_text(response).replace(email, "EMAIL")))
    assert "Wrong email or password." in pages[0]
    assert pages.count(pages[0]) == len(ATTEMPTS)


def test_the_dummy_hash_costs_what_a_real_one_does():
    """The stand-in is made with the production parameters, like every stored hash."""
    assert not APP_HASHER.check_needs_rehash(passwords._DUMMY_HASH)
