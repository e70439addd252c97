"""Signed single-use links sent by mail: confirm an address, reset a password, change an address.

A link's token is signed with the app's secret (itsdangerous, one salt per purpose, so a
token made for one purpose is worthless for another) and carries its time of issue, which
gives it an age limit. It is single-use without a table: the token also carries a
fingerprint of the account state that using it changes (the address and whether it is
confirmed; the password hash; the address and the pending one). Once used, that state has
moved on and the fingerprint no longer matches.

The mails that carry them (``send_confirmation``, ``send_password_reset``,
``send_email_change``) have a text and an HTML part in their recipient's language (their
setting, else the language of the request that caused it). Links point at ``SITE_URL``, never
at the request's host. Messages leave only when the request's transaction commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from inkstone.auth.models import SIGN_IN_STATUSES, User
from inkstone.core.db.ids import is_possible_id
from inkstone.core.mail import compose, queue_mail, site_url
from inkstone.core.site import site_settings
from inkstone.extensions import db

# A token longer than this was not made here (ours stay well under 200 characters).
TOKEN_MAX = 512


class Purpose(StrEnum):
    """What a link does; each purpose signs with its own salt."""

    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"
    CHANGE_EMAIL = "change-email"


LIFETIMES: dict[Purpose, timedelta] = {
    Purpose.CONFIRM_EMAIL: timedelta(hours=24),
    Purpose.RESET_PASSWORD: timedelta(hours=1),
    Purpose.CHANGE_EMAIL: timedelta(hours=24),
}


class Problem(StrEnum):
    """Why a link cannot be used."""

    INVALID = "invalid"  # not made here, cut short, or its account is gone
    EXPIRED = "expired"
    USED = "used"  # used already, or replaced by a newer link


class BadLink(Exception):
    """A link that cannot be used, and why."""

    def __init__(self, problem: Problem, purpose: Purpose) -> None:
        super().__init__(f"{purpose.value} link is {problem.value}")
        self.problem = problem
        self.purpose = purpose


@dataclass(frozen=True)
class Link:
    """What a valid link names: its account and, for a change of address, the new address."""

    user: User
    email: str | None = None


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=f"inkstone.{purpose.value}")


def _fingerprint(purpose: Purpose, user: User) -> str:
    """Return a digest of the account state that using a ``purpose`` link changes."""
    if purpose == Purpose.CONFIRM_EMAIL:
        state = [user.email, "confirmed" if user.email_confirmed_at else ""]
    elif purpose == Purpose.RESET_PASSWORD:
        # A digest of the hash, not a piece of it: the token is signed, not encrypted.
        state = [user.password_hash]
    else:
        state = [user.email, user.pending_email or ""]
    return hashlib.sha256("\x00".join(state).encode()).hexdigest()[:24]


def make_token(purpose: Purpose, *, user: User, email: str | None = None) -> str:
    """Return a signed token for a ``purpose`` link to ``user`` (``email``: the new address)."""
    payload: dict[str, Any] = {"u": str(user.id), "f": _fingerprint(purpose, user)}
    if email is not None:
        payload["e"] = email
    token: str = _serializer(purpose).dumps(payload)
    return token


def check_token(purpose: Purpose, token: str) -> Link:
    """Return what a ``purpose`` token names, or raise ``BadLink`` saying why it cannot be used."""
    if len(token) > TOKEN_MAX:
        raise BadLink(Problem.INVALID, purpose)
    max_age = int(LIFETIMES[purpose].total_seconds())
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise BadLink(Problem.EXPIRED, purpose) from exc
    except BadSignature as exc:
        raise BadLink(Problem.INVALID, purpose) from exc
    user, email = _read_payload(purpose, payload)
    if user.status not in SIGN_IN_STATUSES:  # a suspended or deleted account's links are dead
        raise BadLink(Problem.INVALID, purpose)
    if payload["f"] != _fingerprint(purpose, user):
        raise BadLink(Problem.USED, purpose)
    return Link(user=user, email=email)


def _read_payload(purpose: Purpose, payload: Any) -> tuple[User, str | None]:
    """Return the user and address a signed payload names (``BadLink`` if it names none)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), str):
        raise BadLink(Problem.INVALID, purpose)
    raw_id, email = payload.get("u"), payload.get("e")
    if not isinstance(raw_id, str) or not raw_id.isdigit() or len(raw_id) > 19:
        raise BadLink(Problem.INVALID, purpose)
    if purpose == Purpose.CHANGE_EMAIL and not (isinstance(email, str) and email):
        raise BadLink(Problem.INVALID, purpose)
    user = db.session.get(User, int(raw_id)) if is_possible_id(int(raw_id)) else None
    if user is None:
        raise BadLink(Problem.INVALID, purpose)
    return user, email if isinstance(email, str) else None


# The mails that carry the links.


def recipient_locale(user: User) -> str | None:
    """Return the language to write to ``user`` in: their setting, else this request's."""
    if user.locale:
        return user.locale
    if has_request_context():
        locale = get_locale()
        return str(locale) if locale is not None else None
    return None


def _hours(purpose: Purpose) -> int:
    return int(LIFETIMES[purpose].total_seconds() // 3600)


def _send(*, user: User, to: str, subject: Any, template: str, **context: Any) -> None:
    message = compose(
        to=to,
        subject=subject,
        template=f"auth/mail/{template}",
        locale=recipient_locale(user),
        context={"user": user, **context},
    )
    queue_mail(message)


def _site() -> str:
    return site_settings().name


def send_confirmation(*, user: User) -> None:
    """Queue the mail with the link that confirms ``user``'s address."""
    token = make_token(Purpose.CONFIRM_EMAIL, user=user)
    _send(
        user=user,
        to=user.email,
        subject=_l("Confirm your email address for %(site)s", site=_site()),
        template="confirm",
        link=site_url("recovery.confirm", token=token),
        hours=_hours(Purpose.CONFIRM_EMAIL),
    )


def send_password_reset(*, user: User) -> None:
    """Queue the mail with the link that lets ``user`` choose a new password."""
    token = make_token(Purpose.RESET_PASSWORD, user=user)
    _send(
        user=user,
        to=user.email,
        subject=_l("Reset your password on %(site)s", site=_site()),
        template="reset_password",
        link=site_url("recovery.reset_password", token=token),
        hours=_hours(Purpose.RESET_PASSWORD),
        reset_link=site_url("recovery.reset_request"),
    )


def send_email_change(*, user: User, new_email: str) -> None:
    """Queue the link that confirms ``new_email`` (to it) and a notice to the current address."""
    token = make_token(Purpose.CHANGE_EMAIL, user=user, email=new_email)
    _send(
        user=user,
        to=new_email,
        subject=_l("Confirm your new email address for %(site)s", site=_site()),
        template="change_email",
        link=site_url("recovery.change_email", token=token),
        hours=_hours(Purpose.CHANGE_EMAIL),
        new_email=new_email,
    )
    # The owner of the current address hears of it too: if somebody else holds the
    # session, the real owner can still act (change the password) before it happens.
    _send(
        user=user,
        to=user.email,
        subject=_l("A change of your email address on %(site)s was requested", site=_site()),
        template="change_email_notice",
        new_email=new_email,
        reset_link=site_url("recovery.reset_request"),
    )
