"""The account mails: confirm an address, reset a password, change an address.

Each message has a text and an HTML part in its recipient's language (their setting, else
the language of the request that caused it). Links point at ``SITE_URL``, never at the
request's host. Messages leave only when the request's transaction commits.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from inkstone.auth.links import LIFETIMES, Purpose, make_token
from inkstone.auth.models import User
from inkstone.core.mail import compose, queue_mail, site_url


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
    return str(current_app.config["SITE_NAME"])


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
