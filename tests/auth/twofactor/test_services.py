"""Two-factor services: codes, their window, no reuse, recovery codes, turning it off."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from inkstone.auth.audit import AuditEvent, Event
from inkstone.auth.factors import RecoveryCode, TotpDevice, TrustedBrowser
from inkstone.auth.models import User
from inkstone.auth.twofactor import services
from inkstone.core.db import utcnow
from inkstone.core.errors import PermissionDenied, Unauthorized
from inkstone.core.site import save_site_settings
from inkstone.extensions import db
from tests.conftest import DEFAULT_PASSWORD, count_rows

pytestmark = pytest.mark.usefixtures("app_ctx")


def _user(enrolled):
    user = db.session.get(User, enrolled.user.id)
    assert user is not None
    return user


def _events(kind, user):
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == kind.value, AuditEvent.user_id == user.id)
        )
    )


def test_set_up_waits_for_a_first_code_then_turns_on_with_ten_codes(make_user, clock):
    user = make_user()
    device = services.begin_setup(user=user)
    assert services.begin_setup(user=user).secret == device.secret  # a reload: the same key
    assert services.confirmed_device(user=user) is None
    with pytest.raises(Unauthorized):
        services.confirm_setup(user=user, code="000000")
    codes = services.confirm_setup(user=user, code=pyotp.TOTP(device.secret).at(clock.now))
    assert services.confirmed_device(user=user) is not None
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(c) == 11 and c[5] == "-" and c == c.lower() for c in codes)
    # Only digests are stored: no code can be read back from the database.
    stored = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert not stored & set(codes)
    assert len(_events(Event.TWO_FACTOR_ENABLED, user)) == 1


def test_the_uri_names_the_site_and_the_account(make_user):
    user = make_user(email="ada@example.org")
    device = services.begin_setup(user=user)
    uri = services.provisioning_uri(device=device, user=user)
    assert uri.startswith("otpauth://totp/Inkstone:ada%40example.org?")
    assert f"secret={device.secret}" in uri


def test_a_code_works_once_even_from_another_session(enrolled):
    user = _user(enrolled)
    code = enrolled.code()
    assert services.check_code(user=user, code=code, via="web")
    assert not services.check_code(user=user, code=code, via="api")  # a replay
    assert len(_events(Event.TWO_FACTOR_FAILED, user)) == 1


def test_codes_one_step_either_side_are_accepted_but_not_an_older_step(enrolled):
    user = _user(enrolled)
    late = enrolled.code(steps=1)  # a phone whose clock runs 30 seconds ahead
    early = enrolled.code(steps=-1)
    assert services.check_code(user=user, code=late, via="web")
    # An earlier step than one already used: refused, though inside the window.
    assert not services.check_code(user=user, code=early, via="web")
    assert not services.check_code(user=user, code=enrolled.code(steps=2), via="web")


def test_a_code_outside_the_window_is_refused(enrolled):
    user = _user(enrolled)
    assert not services.check_code(user=user, code=enrolled.code(steps=3), via="web")
    assert not services.check_code(user=user, code=enrolled.code(steps=-3), via="web")
    assert services.check_code(user=user, code=enrolled.code(), via="web")


def test_a_recovery_code_works_once_and_tolerates_how_it_is_typed(enrolled):
    user = _user(enrolled)
    first = enrolled.codes[0]
    assert services.check_code(user=user, code=f"  {first.upper().replace('-', ' ')} ", via="web")
    assert not services.check_code(user=user, code=first, via="web")
    assert services.recovery_codes_left(user=user) == 9
    assert len(_events(Event.RECOVERY_CODE_USED, user)) == 1


def test_new_recovery_codes_void_the_old_ones_and_trusted_browsers(enrolled):
    user = _user(enrolled)
    db.session.add(TrustedBrowser(user_id=user.id, token_hash="x" * 64, expires_at=utcnow()))
    fresh = services.confirmed_regenerate(user=user, password=DEFAULT_PASSWORD)
    assert not set(fresh) & set(enrolled.codes)
    assert not services.check_code(user=user, code=enrolled.codes[1], via="web")
    assert services.check_code(user=user, code=fresh[0], via="web")
    assert count_rows(TrustedBrowser, TrustedBrowser.user_id == user.id) == 0
    assert len(_events(Event.RECOVERY_CODES_GENERATED, user)) == 1
    with pytest.raises(Unauthorized):
        services.confirmed_regenerate(user=user, password="not it")


def test_turning_off_needs_the_password_and_removes_everything(enrolled):
    user = _user(enrolled)
    with pytest.raises(Unauthorized):
        services.disable(user=user, password="wrong password")
    services.disable(user=user, password=DEFAULT_PASSWORD)
    assert count_rows(TotpDevice, TotpDevice.user_id == user.id) == 0
    assert count_rows(RecoveryCode, RecoveryCode.user_id == user.id) == 0
    assert len(_events(Event.TWO_FACTOR_DISABLED, user)) == 1


def test_an_account_without_a_password_turns_it_off_with_a_code(enrolled):
    user = _user(enrolled)
    user.password_hash = ""
    with pytest.raises(Unauthorized):
        services.disable(user=user, code="123456")
    services.disable(user=user, code=enrolled.code())
    assert services.confirmed_device(user=user) is None


def test_staff_cannot_turn_it_off_while_the_site_requires_it(app, make_user, clock):
    from tests.auth.twofactor.conftest import enrol

    admin = enrol(app, make_user(role="admin"), clock)
    save_site_settings(changes={"require_two_factor_for_staff": True}, actor_id=None)
    with pytest.raises(PermissionDenied):
        services.disable(user=_user(admin), password=DEFAULT_PASSWORD)


def test_deleting_an_account_removes_its_second_factor(enrolled):
    from inkstone.core import events

    user = _user(enrolled)
    events.user_deleting.send(user=user, remove_content=False)
    assert count_rows(TotpDevice, TotpDevice.user_id == user.id) == 0
    assert count_rows(RecoveryCode, RecoveryCode.user_id == user.id) == 0
