"""The two-factor sign-in step and the settings pages, with the Flask client."""

from __future__ import annotations

import re

import pyotp

from inkstone.auth import signin_flow
from inkstone.auth.audit import Event
from inkstone.auth.factors import RecoveryCode, TotpDevice
from tests.auth.twofactor.conftest import audited, code_step, is_signed_in, password_step
from tests.conftest import DEFAULT_PASSWORD, count_rows, csrf_token, page_text, redirect_target

WRONG_CODE = "That code is not right, or was used already."


def test_password_then_code_signs_in(app, client, enrolled):
    response = password_step(client, "ada@example.org")
    assert redirect_target(response) == "/login/two-factor"
    assert not is_signed_in(client)  # the password alone is not enough
    page = client.get("/login/two-factor")
    assert "Code from your authenticator app, or a recovery code" in page_text(page)
    assert 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    assert redirect_target(code_step(client, enrolled.code())) == "/"
    assert is_signed_in(client)
    assert [e.detail.get("via") for e in audited(app, Event.SIGNIN_SUCCEEDED, enrolled.user)] == [
        "web"
    ]


def test_a_wrong_code_is_refused_andaudited(app, client, enrolled):
    password_step(client, "ada@example.org")
    response = code_step(client, "000000")
    assert response.status_code == 200
    assert WRONG_CODE in page_text(response)
    assert not is_signed_in(client)
    assert len(audited(app, Event.TWO_FACTOR_FAILED, enrolled.user)) == 1
    assert audited(app, Event.SIGNIN_SUCCEEDED, enrolled.user) == []


def test_a_used_code_cannot_sign_in_another_browser(app, client, enrolled):
    code = enrolled.code()
    password_step(client, "ada@example.org")
    code_step(client, code)
    other = app.test_client()
    password_step(other, "ada@example.org")
    assert WRONG_CODE in page_text(code_step(other, code))
    assert not is_signed_in(other)


def test_a_recovery_code_signs_in_once(app, client, enrolled):
    password_step(client, "ada@example.org")
    assert redirect_target(code_step(client, enrolled.codes[0])) == "/"
    assert len(audited(app, Event.RECOVERY_CODE_USED, enrolled.user)) == 1
    other = app.test_client()
    password_step(other, "ada@example.org")
    assert WRONG_CODE in page_text(code_step(other, enrolled.codes[0]))


def test_a_trusted_browser_skips_the_step_until_a_reset(app, client, enrolled, clock):
    password_step(client, "ada@example.org")
    response = code_step(client, enrolled.code(), trust=True)
    assert signin_flow.TRUST_COOKIE in response.headers.get("Set-Cookie", "")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    assert not is_signed_in(client)
    assert redirect_target(password_step(client, "ada@example.org")) == "/"
    assert is_signed_in(client)
    # New recovery codes end every trust: the next sign-in asks for a code again.
    client.post(
        "/settings/two-factor/recovery-codes",
        data={"csrf_token": csrf_token(client, "/settings"), "password": DEFAULT_PASSWORD},
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    assert redirect_target(password_step(client, "ada@example.org")) == "/login/two-factor"


def test_a_waiting_sign_in_expires(client, enrolled):
    password_step(client, "ada@example.org")
    with client.session_transaction() as session:
        pending = dict(session[signin_flow.PENDING])
        pending["since"] -= signin_flow.PENDING_SECONDS + 1
        session[signin_flow.PENDING] = pending
    response = code_step(client, enrolled.code())
    assert redirect_target(response) == "/login"
    assert not is_signed_in(client)


def test_without_a_waiting_sign_in_the_step_sends_to_sign_in(client):
    assert redirect_target(client.get("/login/two-factor")) == "/login"


def test_cancel_forgets_the_waiting_sign_in(client, enrolled):
    password_step(client, "ada@example.org")
    assert redirect_target(client.get("/login/two-factor/cancel")) == "/login"
    assert redirect_target(client.get("/login/two-factor")) == "/login"


def test_codes_are_throttled_per_account(make_limited_app, make_user, clock):
    from tests.auth.twofactor.conftest import enrol

    limited = make_limited_app(RATELIMIT_SIGNIN="100/minute", RATELIMIT_SIGNIN_ACCOUNT="3/hour")
    account = enrol(limited, make_user(email="bob@example.org"), clock)
    client = limited.test_client()
    password_step(client, "bob@example.org")
    for _ in range(3):
        assert code_step(client, "000000").status_code == 200
    blocked = code_step(client, account.code())
    assert blocked.status_code == 429
    assert not is_signed_in(client)


# --------------------------------------------------------------------------- settings


def _setup_page(client):
    page = client.get("/settings/two-factor/setup")
    assert page.status_code == 200
    key = re.search(r'data-key="([A-Z2-7]+)"', page.get_data(as_text=True))
    assert key, "the key is shown in text"
    return page, key.group(1)


def test_set_up_shows_an_svg_qr_code_and_the_key_without_inline_script(
    client, make_user, sign_in, clock
):
    sign_in(client, make_user(email="cy@example.org"))
    assert "Off" in page_text(client.get("/settings/two-factor"))
    page, key = _setup_page(client)
    html = page.get_data(as_text=True)
    assert '<svg width="' in html
    assert 'class="segno"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # every script is a file
    assert " style=" not in html.split("<main", 1)[-1]
    assert _setup_page(client)[1] == key  # a reload shows the same key


def test_set_up_confirm_shows_codes_once_with_a_download(app, client, make_user, sign_in, clock):
    user = make_user(email="cy@example.org")
    sign_in(client, user)
    _page, key = _setup_page(client)
    wrong = client.post(
        "/settings/two-factor/setup",
        data={"csrf_token": csrf_token(client, "/settings"), "code": "000000"},
    )
    assert "That code is not right" in page_text(wrong)
    done = client.post(
        "/settings/two-factor/setup",
        data={"csrf_token": csrf_token(client, "/settings"), "code": pyotp.TOTP(key).at(clock.now)},
    )
    assert redirect_target(done) == "/settings/two-factor/recovery-codes"
    page = page_text(client.get("/settings/two-factor/recovery-codes"))
    codes = re.findall(r"<li class=\"col\" data-code>([a-z0-9-]+)</li>", page)
    assert len(codes) == 10
    download = client.get("/settings/two-factor/recovery-codes.txt")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert all(code in download.get_data(as_text=True) for code in codes)
    # Once saved, the codes are gone from this browser too: only digests remain.
    client.post(
        "/settings/two-factor/recovery-codes/saved",
        data={"csrf_token": csrf_token(client, "/settings")},
    )
    assert client.get("/settings/two-factor/recovery-codes.txt").status_code == 404
    later = page_text(client.get("/settings/two-factor/recovery-codes"))
    assert "10 recovery codes left." in later
    assert codes[0] not in later
    assert "On" in page_text(client.get("/settings/two-factor"))


def test_turn_off_needs_the_password(app, client, enrolled, sign_in):
    sign_in(client, enrolled.user)
    token = csrf_token(client, "/settings")
    client.post("/settings/two-factor/disable", data={"csrf_token": token, "password": "nope"})
    with app.app_context():
        assert count_rows(TotpDevice) == 1
    response = client.post(
        "/settings/two-factor/disable", data={"csrf_token": token, "password": DEFAULT_PASSWORD}
    )
    assert redirect_target(response) == "/settings/two-factor"
    with app.app_context():
        assert count_rows(TotpDevice) == 0
        assert count_rows(RecoveryCode) == 0
    client.post("/logout", data={"csrf_token": token})
    assert redirect_target(password_step(client, "ada@example.org")) == "/"
