"""The API's sign-in with a second factor: ``user.otp``."""

from __future__ import annotations

from inkstone.auth.audit import Event
from tests.auth.twofactor.conftest import audited
from tests.conftest import DEFAULT_PASSWORD

LOGIN = "/api/v1/users/login"


def _login(client, email="ada@example.org", password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, json={"user": {"email": email, "password": password, **extra}})


def test_an_account_without_two_factor_signs_in_as_before(client, make_user):
    make_user(email="plain@example.org")
    response = _login(client, "plain@example.org")
    assert response.status_code == 200
    assert response.json["user"]["token"]


def test_a_missing_code_is_asked_for_without_counting_a_failure(app, client, enrolled):
    response = _login(client)
    assert response.status_code == 401
    assert response.json == {"errors": {"otp": ["required"]}, "code": "auth.otp_required"}
    assert audited(app, Event.SIGNIN_SUCCEEDED, enrolled.user) == []
    assert audited(app, Event.SIGNIN_FAILED, enrolled.user) == []


def test_a_wrong_or_reused_code_is_refused_andaudited(app, client, enrolled):
    code = enrolled.code()
    wrong = _login(client, otp="123456")
    assert wrong.status_code == 401
    assert wrong.json == {"errors": {"otp": ["is invalid"]}, "code": "auth.otp_invalid"}
    assert _login(client, otp=code).status_code == 200
    reused = _login(client, otp=code)
    assert reused.status_code == 401
    assert reused.json["code"] == "auth.otp_invalid"
    assert len(audited(app, Event.TWO_FACTOR_FAILED, enrolled.user)) == 2
    assert [e.detail.get("via") for e in audited(app, Event.SIGNIN_SUCCEEDED, enrolled.user)] == [
        "api"
    ]


def test_a_wrong_password_is_refused_before_any_code(client, enrolled):
    response = _login(client, password="not the password", otp=enrolled.code())
    assert response.status_code == 401
    assert response.json["code"] == "auth.invalid_credentials"


def test_a_recovery_code_signs_in_once(client, enrolled):
    assert _login(client, otp=enrolled.codes[3]).status_code == 200
    assert _login(client, otp=enrolled.codes[3]).json["code"] == "auth.otp_invalid"


def test_wrong_codes_count_against_the_account_limit(make_limited_app, make_user, clock):
    from tests.auth.twofactor.conftest import enrol

    limited = make_limited_app(RATELIMIT_SIGNIN="100/minute", RATELIMIT_SIGNIN_ACCOUNT="2/hour")
    account = enrol(limited, make_user(email="bob@example.org"), clock)
    client = limited.test_client()
    for _ in range(3):  # asking for the code is not a failure
        assert _login(client, "bob@example.org").status_code == 401
    for _ in range(2):
        assert _login(client, "bob@example.org", otp="000000").status_code == 401
    assert _login(client, "bob@example.org", otp=account.code()).status_code == 429
