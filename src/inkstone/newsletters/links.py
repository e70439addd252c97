"""The signed links mailed to subscribers: confirm an address, unsubscribe with one click.

A token names a subscription and the ``token_key`` it had when the link was made; it is
signed with the app's secret (itsdangerous, a salt per purpose). Unsubscribing or subscribing
again gives the row a new key, so the links already sent stop working: each is single-use.
A confirmation link expires after ``CONFIRM_LIFETIME``; an unsubscribe link in a mail works
for ``UNSUBSCRIBE_LIFETIME`` (people unsubscribe from old mail too).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from inkstone.core.db.ids import is_possible_id
from inkstone.extensions import db
from inkstone.newsletters.models import Subscription

TOKEN_MAX = 512
CONFIRM_LIFETIME = timedelta(hours=48)
UNSUBSCRIBE_LIFETIME = timedelta(days=400)


class Purpose(StrEnum):
    """What a link does; each purpose signs with its own salt."""

    CONFIRM = "newsletter-confirm"
    UNSUBSCRIBE = "newsletter-unsubscribe"


LIFETIMES = {Purpose.CONFIRM: CONFIRM_LIFETIME, Purpose.UNSUBSCRIBE: UNSUBSCRIBE_LIFETIME}


class Problem(StrEnum):
    """Why a link cannot be used."""

    INVALID = "invalid"  # not made here, cut short, or its subscription is gone
    EXPIRED = "expired"
    USED = "used"  # used already, or replaced by a newer link


class BadLink(Exception):
    """A newsletter link that cannot be used, and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"newsletter link is {problem.value}")
        self.problem = problem


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=f"inkstone.{purpose.value}")


def make_token(purpose: Purpose, subscription: Subscription) -> str:
    """Return a signed token for a ``purpose`` link to ``subscription``."""
    token: str = _serializer(purpose).dumps(
        {"s": str(subscription.id), "k": subscription.token_key}
    )
    return token


def check_token(purpose: Purpose, token: str) -> tuple[Subscription, bool]:
    """Return the subscription a token names and whether its key still matches.

    A key that no longer matches means the link was used or replaced; the caller decides
    what that means (a confirmation used twice is "already confirmed"). Raises ``BadLink``
    for a token not made here, expired, or naming a subscription that is gone.
    """
    if len(token) > TOKEN_MAX:
        raise BadLink(Problem.INVALID)
    try:
        payload = _serializer(purpose).loads(token, max_age=int(LIFETIMES[purpose].total_seconds()))
    except SignatureExpired as exc:
        raise BadLink(Problem.EXPIRED) from exc
    except BadSignature as exc:
        raise BadLink(Problem.INVALID) from exc
    subscription = _named(payload)
    return subscription, payload["k"] == subscription.token_key


def _named(payload: Any) -> Subscription:
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str):
        raise BadLink(Problem.INVALID)
    raw_id = payload.get("s")
    if not isinstance(raw_id, str) or not raw_id.isdigit() or len(raw_id) > 19:
        raise BadLink(Problem.INVALID)
    found = db.session.get(Subscription, int(raw_id)) if is_possible_id(int(raw_id)) else None
    if found is None:
        raise BadLink(Problem.INVALID)
    return found
