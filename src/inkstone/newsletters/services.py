"""Subscribing to an author, confirming, unsubscribing; counts; the back office's removal.

Keyword-only services that flush and never commit. An anonymous subscriber is answered the
same way whatever the address's state (``subscribe`` returns what to tell nobody but the
caller's tests): whether an address is on a list is never revealed to whoever types it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import EMAIL_MAX, User, UserStatus
from inkstone.auth.usernames import canonical
from inkstone.core.db import utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Invalid, NotFound
from inkstone.core.mail import compose, queue_mail, site_url
from inkstone.extensions import db
from inkstone.newsletters.links import Purpose, make_token
from inkstone.newsletters.models import TOKEN_KEY_LENGTH, Subscription, SubscriptionStatus

# A pending address is sent a confirmation mail at most this often, however often it is
# typed in (the per-address check beside the rate limits: it holds across processes).
CONFIRM_RESEND = timedelta(minutes=10)
# Pending subscriptions never confirmed are purged after this (their link expired long ago).
PENDING_KEPT = timedelta(days=7)
MAILABLE_AUTHOR = (UserStatus.ACTIVE.value, UserStatus.UNVERIFIED.value)

Status = SubscriptionStatus


def email_key(email: str) -> str:
    """Return the form of an address that is unique per author (trimmed, case-folded)."""
    return email.strip().casefold()


def clean_email(email: Any) -> str:
    """Return a well-formed address, normalised, or raise ``Invalid`` (field ``email``)."""
    if not isinstance(email, str) or not email.strip():
        raise Invalid("can't be blank", field="email")
    if len(email) > EMAIL_MAX or "\x00" in email:
        raise Invalid("is invalid", field="email")
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid("is invalid", field="email") from exc
    normalized: str = checked.normalized
    if len(normalized) > EMAIL_MAX:
        raise Invalid("is invalid", field="email")
    return normalized


def _new_key() -> str:
    return secrets.token_urlsafe(24)[:TOKEN_KEY_LENGTH]


def ensure_subscribable(author: User) -> None:
    """Refuse an author one cannot subscribe to (suspended or deleted) as not found."""
    if author.status not in MAILABLE_AUTHOR:
        raise NotFound("profile not found", field="username")


def find_subscription(*, author: User, email: str) -> Subscription | None:
    """Return the subscription of ``email`` to ``author``, if any."""
    query = select(Subscription).where(
        Subscription.author_id == author.id, Subscription.email_key == email_key(email)
    )
    return db.session.scalar(query)


def subscription_of(*, author: User, user: User) -> Subscription | None:
    """Return a signed-in reader's subscription to ``author`` (by account or by address)."""
    query = select(Subscription).where(
        Subscription.author_id == author.id,
        or_(Subscription.user_id == user.id, Subscription.email_key == email_key(user.email)),
    )
    return db.session.scalars(query.order_by(Subscription.id)).first()


def subscription_by_name(*, username: str, user: User) -> Subscription | None:
    """Return a signed-in reader's subscription to the author named ``username`` (one query)."""
    query = (
        select(Subscription)
        .join(User, User.id == Subscription.author_id)
        .where(
            User.username_key == canonical(username),
            or_(Subscription.user_id == user.id, Subscription.email_key == email_key(user.email)),
        )
        .order_by(Subscription.id)
        .limit(1)
    )
    return db.session.scalar(query)


@dataclass(frozen=True)
class Outcome:
    """What a subscription request did (for the signed-in caller; never shown to others)."""

    subscription: Subscription
    created: bool
    confirmation_sent: bool


def subscribe(*, author: User, email: Any, locale: str | None, user: User | None = None) -> Outcome:
    """Subscribe an address to ``author``: at once for a signed-in reader's confirmed address,
    else pending until the link mailed to it is followed (double opt-in).
    """
    ensure_subscribable(author)
    if user is not None and user.id == author.id:
        raise Invalid("you can't subscribe to yourself", field="username")
    own = user is not None and isinstance(email, str) and email_key(email) == email_key(user.email)
    # The reader's own account address was checked when it was set; it is taken as it is.
    address = user.email if own and user is not None else clean_email(email)
    trusted = (
        user is not None
        and user.email_confirmed_at is not None
        and email_key(user.email) == email_key(address)
    )
    found = find_subscription(author=author, email=address)
    created = found is None
    if found is None:
        found = Subscription(
            author_id=author.id,
            email=address,
            email_key=email_key(address),
            status=Status.PENDING.value,
            token_key=_new_key(),
            created_at=utcnow(),
        )
        db.session.add(found)
    if user is not None and email_key(user.email) == email_key(address):
        found.user_id = user.id
    if locale:
        found.locale = locale
    if found.status == Status.CONFIRMED:
        db.session.flush()
        return Outcome(found, created, confirmation_sent=False)
    if found.status != Status.PENDING:  # unsubscribed or bounced: a fresh start, new links
        found.status = Status.PENDING.value
        found.token_key = _new_key()
        found.confirmation_sent_at = None
    if trusted:
        _confirm(found)
        db.session.flush()
        return Outcome(found, created, confirmation_sent=False)
    db.session.flush()
    sent = _send_confirmation(found, author=author)
    return Outcome(found, created, confirmation_sent=sent)


def _confirm(subscription: Subscription) -> None:
    subscription.status = Status.CONFIRMED.value
    subscription.confirmed_at = utcnow()
    subscription.unsubscribed_at = None


def _send_confirmation(subscription: Subscription, *, author: User) -> bool:
    """Mail the confirmation link unless one went out within ``CONFIRM_RESEND``."""
    now = utcnow()
    last = subscription.confirmation_sent_at
    if last is not None and now - last < CONFIRM_RESEND:
        return False
    subscription.confirmation_sent_at = now
    link = site_url("newsletters.confirm", token=make_token(Purpose.CONFIRM, subscription))
    message = compose(
        to=subscription.email,
        subject=_l("Confirm your subscription to %(name)s", name=author.username),
        template="newsletters/mail/confirm",
        locale=subscription.locale,
        context={"author": author.username, "link": link},
    )
    queue_mail(message)
    return True


def confirm(*, subscription: Subscription, key_matches: bool) -> bool:
    """Confirm a pending subscription from its link; ``False`` if it was confirmed already.

    Raises ``Invalid`` when the link was replaced (the address unsubscribed since, say).
    """
    if subscription.status == Status.CONFIRMED and key_matches:
        return False
    if not key_matches or subscription.status != Status.PENDING:
        raise Invalid("this link was used or replaced", field="token")
    _confirm(subscription)
    db.session.flush()
    return True


def unsubscribe(*, subscription: Subscription) -> Subscription:
    """Stop mailing this subscription; its links stop working (a new key)."""
    subscription.status = Status.UNSUBSCRIBED.value
    subscription.unsubscribed_at = utcnow()
    subscription.token_key = _new_key()
    db.session.flush()
    return subscription


def unsubscribe_user(*, author: User, user: User) -> Subscription | None:
    """Unsubscribe a signed-in reader from ``author`` (nothing if not subscribed)."""
    found = subscription_of(author=author, user=user)
    if found is None or found.status == Status.UNSUBSCRIBED:
        return found
    return unsubscribe(subscription=found)


def counts_by_status(*, author_id: int | None = None) -> dict[str, int]:
    """Return the number of subscriptions per status (one author's, or everyone's)."""
    query = select(Subscription.status, func.count()).group_by(Subscription.status)
    if author_id is not None:
        query = query.where(Subscription.author_id == author_id)
    found = {str(status): int(count) for status, count in db.session.execute(query)}
    return {status.value: found.get(status.value, 0) for status in Status}


def subscriber_count(*, author_id: int) -> int:
    """Return how many confirmed subscribers ``author_id`` has (one indexed count)."""
    query = select(func.count()).where(
        Subscription.author_id == author_id, Subscription.status == Status.CONFIRMED.value
    )
    return int(db.session.scalar(query) or 0)


def top_authors(*, limit: int = 10) -> list[tuple[str, int]]:
    """Return the authors with the most confirmed subscribers: (username, count)."""
    count = func.count().label("n")
    query = (
        select(User.username, count)
        .join(Subscription, Subscription.author_id == User.id)
        .where(Subscription.status == Status.CONFIRMED.value)
        .group_by(User.id, User.username)
        .order_by(count.desc(), User.username)
        .limit(limit)
    )
    return [(str(name), int(n)) for name, n in db.session.execute(query)]


def search_subscriptions(*, email: str, limit: int = 50) -> list[tuple[Subscription, str]]:
    """Return the subscriptions of addresses starting with ``email``, with their author."""
    prefix = email_key(email)
    if not prefix:
        return []
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(Subscription, User.username)
        .join(User, User.id == Subscription.author_id)
        .where(Subscription.email_key.like(f"{escaped}%", escape="\\"))
        .order_by(Subscription.email_key, Subscription.id)
        .limit(limit)
    )
    return [(row[0], str(row[1])) for row in db.session.execute(query)]


def remove_subscription(*, subscription_id: int, actor: User) -> None:
    """Delete a subscription for good (the back office), recorded in the audit log."""
    found = (
        db.session.get(Subscription, subscription_id) if is_possible_id(subscription_id) else None
    )
    if found is None:
        raise NotFound("subscription not found", field="subscription")
    author = db.session.get(User, found.author_id)
    record_event(
        Event.SUBSCRIBER_REMOVED,
        user=author,
        actor=actor,
        email=found.email,
        status=found.status,
    )
    db.session.delete(found)
    db.session.flush()


def purge_pending(*, now: Any = None) -> int:
    """Delete pending subscriptions older than ``PENDING_KEPT``; return how many went."""
    cutoff = (now or utcnow()) - PENDING_KEPT
    result = db.session.execute(
        delete(Subscription).where(
            Subscription.status == Status.PENDING.value, Subscription.created_at < cutoff
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_account(*, user: User, **_: Any) -> None:
    """An account is deleted: its list goes, and so do its own subscriptions (privacy).

    Rows would stay otherwise: the account row is kept (scrubbed) for the content it leaves.
    A subscription made with its address while signed out goes too: the address is theirs.
    """
    db.session.execute(
        delete(Subscription).where(
            or_(
                Subscription.author_id == user.id,
                Subscription.user_id == user.id,
                Subscription.email_key == email_key(user.email),
            )
        )
    )
