"""Passkeys through the site: add one in settings, sign in with it, use it as second factor.

A software authenticator (``authenticator.py``) answers like a device, so py_webauthn's checks
run for real on every answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inkstone.auth.audit import Event
from inkstone.auth.factors import Passkey, TotpDevice
from inkstone.auth.models import AuditEvent, User, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db as _db
from tests.auth.passkeys.authenticator import SoftAuthenticator
from tests.auth.passkeys.conftest import CHROME_ON_MAC, post_json
from tests.conftest import DEFAULT_PASSWORD, csrf_token, page_text, redirect_target


def _passkeys(app: Any, user: User) -> list[Passkey]:
    with app.app_context():
        rows = _db.session.scalars(select(Passkey).where(Passkey.user_id == user.id)).all()
        _db.session.expunge_all()
        return list(rows)


def _events(app: Any, user: User, event: Event) -> list[dict[str, Any]]:
    with app.app_context():
        rows = _db.session.scalars(
            select(AuditEvent).where(AuditEvent.user_id == user.id, AuditEvent.event == event.value)
        )
        return [dict(row.detail or {}) for row in rows]


def _sign_in_with(client: Any, authenticator: SoftAuthenticator, next_url: str = "") -> Any:
    token = csrf_token(client, "/login")
    options = post_json(client, "/login/passkey/options", token=token)
    assert options.status_code == 200
    assert options.get_json()["allowCredentials"] == []  # any passkey: nobody named yet
    url = "/login/passkey" + (f"?next={next_url}" if next_url else "")
    return post_json(
        client, url, {"credential": authenticator.get(options.get_json())}, token=token
    )


def _signed_in(client: Any) -> bool:
    return client.get("/settings/passkeys").status_code == 200


def test_add_a_passkey_then_sign_in_with_it_without_a_password(
    app, client, make_user, sign_in, add_passkey
):
    client.environ_base["HTTP_USER_AGENT"] = CHROME_ON_MAC
    user = make_user()
    sign_in(client, user)
    device = add_passkey(client)

    [passkey] = _passkeys(app, user)
    assert passkey.name == "Passkey on Chrome (macOS)"
    assert passkey.backed_up is True
    assert passkey.transports == ["internal", "hybrid"]
    page = page_text(client.get("/settings/passkeys"))
    assert "Passkey “Passkey on Chrome (macOS)” added." in page
    assert "Synced" in page
    assert "Never used to sign in" in page
    assert _events(app, user, Event.PASSKEY_ADDED) == [{"name": "Passkey on Chrome (macOS)"}]

    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    assert not _signed_in(client)
    answer = _sign_in_with(client, device, next_url="/settings")
    assert answer.status_code == 200
    assert answer.get_json() == {"redirect": "/settings"}
    assert _signed_in(client)
    [used] = _passkeys(app, user)
    assert used.last_used_at is not None
    signins = _events(app, user, Event.SIGNIN_SUCCEEDED)
    assert signins[-1]["via"] == "passkey"


def test_a_passkey_is_both_factors_no_code_is_asked(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    with app.app_context():
        _db.session.add(
            TotpDevice(user_id=user.id, secret="JBSWY3DPEHPK3PXP", confirmed_at=utcnow())
        )
        _db.session.commit()
    sign_in(client, user)
    device = add_passkey(client, name="My phone")
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})

    answer = _sign_in_with(client, device)
    assert answer.status_code == 200
    assert answer.get_json() == {"redirect": "/"}  # not the two-factor page
    assert _signed_in(client)


def test_the_password_then_a_passkey_as_second_factor(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    device = add_passkey(client)
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})

    token = csrf_token(client, "/login")
    step = client.post(
        "/login?next=/settings",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert redirect_target(step) == "/login/two-factor"
    assert not _signed_in(client)
    assert "Use a passkey instead" in page_text(client.get("/login/two-factor"))
    options = post_json(client, "/login/two-factor/passkey/options", token=token)
    assert [c["id"] for c in options.get_json()["allowCredentials"]] == [device.id]
    answer = post_json(
        client,
        "/login/two-factor/passkey",
        {"credential": device.get(options.get_json()), "trust": True},
        token=token,
    )
    assert answer.get_json() == {"redirect": "/settings"}
    assert client.get_cookie("inkstone_trusted") is not None  # "trust this browser" ticked
    assert _signed_in(client)


def test_someone_elses_passkey_is_no_second_factor(client, make_user, sign_in, add_passkey):
    other = make_user()
    sign_in(client, other)
    stranger = add_passkey(client)
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    user = make_user()
    sign_in(client, user)
    add_passkey(client)
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})

    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    options = post_json(client, "/login/two-factor/passkey/options", token=token)
    answer = post_json(
        client,
        "/login/two-factor/passkey",
        {"credential": stranger.get(options.get_json())},
        token=token,
    )
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "passkey.invalid"
    assert not _signed_in(client)


def test_a_registered_device_is_excluded_and_refused_twice(client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    device = add_passkey(client)
    token = csrf_token(client, "/settings/passkeys")
    options = post_json(client, "/settings/passkeys/options", token=token).get_json()
    assert [c["id"] for c in options["excludeCredentials"]] == [device.id]
    again = post_json(
        client, "/settings/passkeys", {"credential": device.create(options)}, token=token
    )
    assert again.status_code == 409
    assert again.get_json()["code"] == "passkey.exists"


def test_refusals_are_clear_json_never_a_server_error(app, client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    device = add_passkey(client)
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    token = csrf_token(client, "/login")

    def attempt(body: Any, *, fresh: bool = True) -> Any:
        if fresh:
            post_json(client, "/login/passkey/options", token=token)
        return client.post(
            "/login/passkey",
            data=body if isinstance(body, str) else None,
            json=None if isinstance(body, str) else body,
            headers={"X-CSRFToken": token, "Content-Type": "application/json"},
        )

    not_json = attempt("{not json")
    assert not_json.status_code == 400
    assert not_json.get_json()["code"] == "passkey.malformed"
    garbage = attempt({"credential": {"id": "x", "response": {"clientDataJSON": 5}}})
    assert garbage.status_code == 401
    assert garbage.get_json()["code"] == "passkey.invalid"
    unknown = SoftAuthenticator(user_handle=device.user_handle)
    options = post_json(client, "/login/passkey/options", token=token).get_json()
    answer = attempt({"credential": unknown.get(options)}, fresh=False)
    assert answer.status_code == 401

    # An answer to another challenge (one from an earlier page, or forged).
    options = post_json(client, "/login/passkey/options", token=token).get_json()
    forged = device.get(options, challenge="AAAAAAAAAAAAAAAAAAAAAA")
    assert attempt({"credential": forged}, fresh=False).status_code == 401
    # The same good answer twice: the challenge worked once.
    options = post_json(client, "/login/passkey/options", token=token).get_json()
    good = {"credential": device.get(options)}
    assert attempt(good, fresh=False).status_code == 200
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    token = csrf_token(client, "/login")
    replay = attempt(good, fresh=False)
    assert replay.status_code == 400
    assert replay.get_json()["code"] == "passkey.expired"
    assert not _signed_in(client)
    assert _events(app, user, Event.SIGNIN_FAILED)  # the forged answer was noted


def test_a_sign_count_that_goes_back_is_refused(client, make_user, sign_in, add_passkey):
    user = make_user()
    sign_in(client, user)
    device = add_passkey(client, counter=5)
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    device.counter = 7
    assert _sign_in_with(client, device).status_code == 200
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    device.counter = 6  # a cloned authenticator, or a replayed answer
    refused = _sign_in_with(client, device)
    assert refused.status_code == 401
    assert not _signed_in(client)


def test_a_wrong_user_handle_or_a_suspended_account_is_refused(
    app, client, make_user, sign_in, add_passkey
):
    user = make_user()
    sign_in(client, user)
    device = add_passkey(client)
    client.post("/logout", headers={"X-CSRFToken": csrf_token(client, "/settings/passkeys")})
    real_handle = device.user_handle
    device.user_handle = b"someone else"
    assert _sign_in_with(client, device).status_code == 401
    device.user_handle = real_handle
    with app.app_context():
        _db.session.get(User, user.id).status = UserStatus.SUSPENDED.value
        _db.session.commit()
    assert _sign_in_with(client, device).status_code == 401
    assert not _signed_in(client)


def test_passkey_sign_in_is_rate_limited_per_address(make_limited_app):
    limited = make_limited_app(RATELIMIT_SIGNIN="2/minute")
    client = limited.test_client()
    token = csrf_token(client, "/login")
    answers = [post_json(client, "/login/passkey", {}, token=token) for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
