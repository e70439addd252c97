"""Two-factor authentication: an authenticator app (TOTP), recovery codes, the staff policy.

Keyword-only services that flush and never commit. A code is checked with pyotp against
the current time step and one either side (``valid_window=1``: clocks drift); the step of
an accepted code is stored and no code of that step or an earlier one is accepted again,
whichever browser or client sends it. The store is one conditional ``UPDATE`` (``WHERE
last_counter < step``), so two requests racing with the same code cannot both win.

Recovery codes are random, so a plain SHA-256 of the normalised code is enough to keep
(no salt or slow hash needed: there is nothing to guess from a dictionary). Each is used
once, by a conditional ``UPDATE`` as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, func, select, update

from inkstone.auth.audit import Event, record_event
from inkstone.auth.factors import (
    CODE_MAX,
    Passkey,
    RecoveryCode,
    TotpDevice,
    forget_trusted_browsers,
)
from inkstone.auth.models import RoleName, User
from inkstone.auth.passwords import verify_password
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, PermissionDenied, Unauthorized
from inkstone.core.site import site_settings
from inkstone.extensions import db

RECOVERY_CODES = 10
# Lowercase letters and digits without look-alikes (no 0/o, 1/l/i, 8/b, 5/s, 2/z).
RECOVERY_ALPHABET = "acdefghjkmnpqrtuvwxy34679"
RECOVERY_PART = 5  # a code reads "xxxxx-xxxxx"
STAFF_ROLES = frozenset({RoleName.ADMIN.value, RoleName.MODERATOR.value})


# --------------------------------------------------------------------------- the app's key


def device_of(*, user: User) -> TotpDevice | None:
    """Return ``user``'s authenticator key, confirmed or still being set up."""
    return db.session.scalar(select(TotpDevice).where(TotpDevice.user_id == user.id))


def confirmed_device(*, user: User) -> TotpDevice | None:
    """Return ``user``'s authenticator key once confirmed (``None``: two-factor app is off)."""
    device = device_of(user=user)
    return device if device is not None and device.confirmed_at is not None else None


def begin_setup(*, user: User) -> TotpDevice:
    """Return a key waiting for its first code: the one being set up, else a new one.

    Reusing a waiting key lets the person reload the page after scanning it.
    """
    device = device_of(user=user)
    if device is not None and device.confirmed_at is not None:
        raise Conflict("two-factor authentication is already on", field="otp")
    if device is None:
        device = TotpDevice(user_id=user.id, secret=pyotp.random_base32(), last_counter=0)
        db.session.add(device)
        db.session.flush()
    return device


def provisioning_uri(*, device: TotpDevice, user: User) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=user.email, issuer_name=site_settings().name
    )


def _normalise(code: str) -> str:
    """Return ``code`` as typed without spaces or dashes, lowercase."""
    return "".join(ch for ch in code.lower() if ch not in " -\t")


def _matching_step(secret: str, code: str) -> int | None:
    """Return the time step whose code is ``code`` (now or one step either side), if any."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):  # valid_window=1
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_step(device: TotpDevice, step: int) -> bool:
    """Store ``step`` as the last one used, unless it (or a later one) was used already."""
    stored = db.session.execute(
        update(TotpDevice)
        .where(TotpDevice.id == device.id, TotpDevice.last_counter < step)
        .values(last_counter=step)
        .execution_options(synchronize_session=False)
    )
    if getattr(stored, "rowcount", 0) != 1:
        return False
    db.session.refresh(device)
    return True


def confirm_setup(*, user: User, code: str) -> list[str]:
    """Turn two-factor on with the first code of the key being set up; return recovery codes."""
    device = device_of(user=user)
    if device is None or device.confirmed_at is not None:
        raise Conflict("there is no authenticator key being set up", field="otp")
    step = _matching_step(device.secret, _normalise(code)[:CODE_MAX])
    if step is None or not _accept_step(device, step):
        raise Unauthorized("is invalid", field="otp", code="auth.otp_invalid")
    device.confirmed_at = utcnow()
    record_event(Event.TWO_FACTOR_ENABLED, user=user)
    return _new_recovery_codes(user=user)


def _check_totp(*, user: User, code: str) -> bool:
    device = confirmed_device(user=user)
    if device is None:
        return False
    step = _matching_step(device.secret, code)
    return step is not None and _accept_step(device, step)


# --------------------------------------------------------------------------- recovery codes


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _random_code() -> str:
    parts = (
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_PART)) for _ in (1, 2)
    )
    return "-".join(parts)


def _new_recovery_codes(*, user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones; return them (never kept as such)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_random_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    db.session.flush()
    return codes


def regenerate_recovery_codes(*, user: User) -> list[str]:
    """Make ten new recovery codes (the old ones stop working); trusted browsers end too."""
    codes = _new_recovery_codes(user=user)
    forget_trusted_browsers(user=user)
    record_event(Event.RECOVERY_CODES_GENERATED, user=user)
    return codes


def recovery_codes_left(*, user: User) -> int:
    """Return how many of ``user``'s recovery codes are still unused."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def _use_recovery_code(*, user: User, code: str) -> bool:
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(used, "rowcount", 0) != 1:
        return False
    record_event(Event.RECOVERY_CODE_USED, user=user, left=recovery_codes_left(user=user))
    return True


# --------------------------------------------------------------------------- checking a code


def check_code(*, user: User, code: str | None, via: str) -> bool:
    """Tell whether ``code`` (an app's code or a recovery code) proves ``user``'s second factor.

    A right code is used up (its time step, or the recovery code); a wrong one is audited.
    """
    typed = _normalise(code or "")[:CODE_MAX]
    if typed and (_check_totp(user=user, code=typed) or _use_recovery_code(user=user, code=typed)):
        return True
    record_event(Event.TWO_FACTOR_FAILED, user=user, via=via)
    db.session.flush()
    return False


def _confirm_identity(*, user: User, password: str | None, code: str | None, via: str) -> None:
    """Raise ``Unauthorized`` unless the password (or, without one, a current code) is right."""
    if user.password_hash:
        if not (password and verify_password(user.password_hash, password)):
            raise Unauthorized("is wrong", field="password")
    elif not check_code(user=user, code=code, via=via):
        raise Unauthorized("is invalid", field="otp", code="auth.otp_invalid")


def needs_confirmation(*, user: User) -> bool:
    """Tell whether changing ``user``'s codes asks for the password or a code first.

    Only a passwordless account with no code yet (a first passkey) is asked nothing.
    """
    return bool(user.password_hash) or (
        confirmed_device(user=user) is not None or recovery_codes_left(user=user) > 0
    )


def confirmed_regenerate(
    *, user: User, password: str | None = None, code: str | None = None
) -> list[str]:
    """Make new recovery codes once the password (or a code) confirms it is the owner."""
    if needs_confirmation(user=user):
        _confirm_identity(user=user, password=password, code=code, via="web")
    return regenerate_recovery_codes(user=user)


# --------------------------------------------------------------------------- turning it off


def is_staff(user: User) -> bool:
    """Tell whether ``user`` is an administrator or a moderator."""
    return bool(user.role_names & STAFF_ROLES)


def _has_passkey(user: User) -> bool:
    return (
        db.session.scalar(select(Passkey.id).where(Passkey.user_id == user.id).limit(1)) is not None
    )


def _remove_second_factor(*, user: User) -> None:
    db.session.execute(delete(TotpDevice).where(TotpDevice.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    forget_trusted_browsers(user=user)
    db.session.flush()


def disable(*, user: User, password: str | None = None, code: str | None = None) -> None:
    """Turn the authenticator app off: key, recovery codes and trusted browsers go.

    Needs the password (a passwordless account: a current code). Refused while the site
    requires two-factor of staff and ``user`` is staff with no passkey left.
    """
    if confirmed_device(user=user) is None:
        raise Conflict("two-factor authentication is not on", field="otp")
    if site_settings().require_two_factor_for_staff and is_staff(user) and not _has_passkey(user):
        raise PermissionDenied(
            "this site requires two-factor authentication of administrators and moderators",
            field="otp",
            code="auth.two_factor_required",
        )
    _confirm_identity(user=user, password=password, code=code, via="web")
    _remove_second_factor(user=user)
    record_event(Event.TWO_FACTOR_DISABLED, user=user)


def reset_second_factor(*, user: User, actor: User) -> None:
    """Remove every second factor of ``user`` (app, codes, trusted browsers, passkeys); mail them.

    For a person who lost their phone and codes: an administrator checked who they are.
    """
    from inkstone.auth.twofactor.mail import send_reset_notice

    _remove_second_factor(user=user)
    db.session.execute(delete(Passkey).where(Passkey.user_id == user.id))
    record_event(Event.TWO_FACTOR_RESET, user=user, actor=actor)
    db.session.flush()
    send_reset_notice(user=user)


def remove_account_second_factor(*, user: User, **_: object) -> None:
    """Remove a deleted account's key, recovery codes and trusted browsers (``user_deleting``)."""
    _remove_second_factor(user=user)
