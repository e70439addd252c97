"""Notifications by mail: one at once (``email``), or a daily digest (``digest``).

Mail goes in the reader's language (their setting, else the site's: never the language of
whoever caused it) and only to a confirmed address of an active account. It is queued on the
session and leaves when the caller commits. A digest goes once a day, at the first beat from
``DIGEST_HOUR`` o'clock in the reader's time zone (their setting, else the site's) within
``DIGEST_WINDOW``: claiming the day is one conditional UPDATE, so a second beat, or two at
once, sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, ngettext
from sqlalchemy import or_, select, update

from inkstone.auth.models import User, UserStatus
from inkstone.core.db import utcnow
from inkstone.core.db.writes import insert_ignoring_conflicts
from inkstone.core.errors import NotFound
from inkstone.core.mail import compose, queue_mail, site_url
from inkstone.extensions import db
from inkstone.i18n.locale import site_default_locale, valid_timezone
from inkstone.notifications import services, text
from inkstone.notifications.models import (
    Channel,
    Kind,
    Notification,
    NotificationDigest,
    NotificationPreference,
)

DIGEST_HOUR = 8
# A digest missed in the morning (no beat ran: the worker was down) still goes the same day
# until this many hours after; later, it waits for the next morning, with a day more in it.
DIGEST_WINDOW = timedelta(hours=12)
DIGEST_MAX = 50  # notifications listed in one digest; the rest wait on the site
_KIND_ORDER = {kind: position for position, kind in enumerate(Kind)}


def reader_locale(user: User) -> str:
    """Return the language to write to ``user`` in: theirs, else the site's."""
    return user.locale or site_default_locale()


def reader_zone(user: User) -> ZoneInfo:
    """Return ``user``'s time zone: theirs, else the site's default."""
    name = user.timezone if valid_timezone(user.timezone) else None
    return ZoneInfo(name or str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))


def mailable(user: User) -> bool:
    """Tell whether ``user`` may be mailed: an active account with a confirmed address."""
    return user.status == UserStatus.ACTIVE.value and user.email_confirmed_at is not None


def _links() -> dict[str, str]:
    return {"preferences_link": site_url("notifications.preferences")}


def mail_now(made: services.Made) -> None:
    """Queue the mail of a new notification whose reader wants ``email``."""
    if made.channel is not Channel.EMAIL or not made.new or not mailable(made.recipient):
        return
    recipient, row = made.recipient, made.notification
    view = services.get_notification(user=recipient, notification_id=row.id)
    locale = reader_locale(recipient)
    with force_locale(locale):
        subject = text.sentence(view)
    message = compose(
        to=recipient.email,
        subject=subject,
        template="notifications/mail/notification",
        locale=locale,
        context={
            "user": recipient,
            "view": view,
            "sentence": text.sentence,
            "link": site_url("notifications.open", notification_id=row.id),
            **_links(),
        },
    )
    queue_mail(message)
    row.emailed_at = utcnow()
    db.session.flush()


# ----------------------------------------------------------------------------- digests


def due_since(now: datetime, zone: ZoneInfo) -> datetime:
    """Return the last ``DIGEST_HOUR`` o'clock in ``zone`` at or before ``now`` (in UTC)."""
    local = now.astimezone(zone)
    start = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if local < start:
        start = (local - timedelta(days=1)).replace(
            hour=DIGEST_HOUR, minute=0, second=0, microsecond=0
        )
    return start.astimezone(UTC)


def digest_readers(*, after: int, batch: int) -> list[int]:
    """Return up to ``batch`` ids above ``after`` of readers with something for a digest."""
    statement = (
        select(NotificationPreference.user_id)
        .join(
            Notification,
            (Notification.user_id == NotificationPreference.user_id)
            & (Notification.kind == NotificationPreference.kind),
        )
        .where(
            NotificationPreference.channel == Channel.DIGEST.value,
            NotificationPreference.user_id > after,
            Notification.read_at.is_(None),
            Notification.emailed_at.is_(None),
        )
        .group_by(NotificationPreference.user_id)
        .order_by(NotificationPreference.user_id)
        .limit(batch)
    )
    return list(db.session.scalars(statement))


def iter_digest_readers(batch: int = 500) -> Iterator[int]:
    """Yield every reader with something for a digest, in id order, a batch at a time."""
    after = 0
    while True:
        ids = digest_readers(after=after, batch=batch)
        yield from ids
        if len(ids) < batch:
            return
        after = ids[-1]


def _claim_day(user: User, now: datetime) -> bool:
    """Take today's digest for ``user`` (False: sent already since this day's hour came)."""
    since = due_since(now, reader_zone(user))
    if now - since >= DIGEST_WINDOW:
        return False
    insert_ignoring_conflicts(NotificationDigest, {"user_id": user.id, "sent_at": None})
    claimed = db.session.execute(
        update(NotificationDigest)
        .where(
            NotificationDigest.user_id == user.id,
            or_(NotificationDigest.sent_at.is_(None), NotificationDigest.sent_at < since),
        )
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def send_digest(*, user: User, now: datetime | None = None) -> int:
    """Queue ``user``'s daily digest if it is due; return how many notifications it tells."""
    now = now or utcnow()
    if not mailable(user):
        return 0
    kinds = [
        k.value for k, c in services.preferences(user_id=user.id).items() if c is Channel.DIGEST
    ]
    if not kinds or not _claim_day(user, now):
        return 0
    ids = list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.user_id == user.id,
                Notification.read_at.is_(None),
                Notification.emailed_at.is_(None),
                Notification.kind.in_(kinds),
            )
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(DIGEST_MAX)
        )
    )
    views = []
    for notification_id in ids:
        try:
            views.append(services.get_notification(user=user, notification_id=notification_id))
        except NotFound:  # gone from view (its article went back to draft): not told
            continue
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(emailed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not views:
        return 0
    _queue_digest(user, views)
    return len(views)


def _queue_digest(user: User, views: list[services.NotificationView]) -> None:
    locale = reader_locale(user)
    ordered = sorted(views, key=lambda v: _KIND_ORDER[v.kind])
    groups: list[tuple[Any, list[services.NotificationView]]] = [
        (text.KIND_LABELS[kind], list(items))
        for kind, items in groupby(ordered, key=lambda v: v.kind)
    ]
    with force_locale(locale):
        subject = ngettext(
            "Your daily digest: %(num)d notification",
            "Your daily digest: %(num)d notifications",
            len(views),
        )
    links = {v.id: site_url("notifications.open", notification_id=v.id) for v in views}
    message = compose(
        to=user.email,
        subject=subject,
        template="notifications/mail/digest",
        locale=locale,
        context={
            "user": user,
            "groups": groups,
            "links": links,
            "sentence": text.sentence,
            "list_link": site_url("notifications.index"),
            **_links(),
        },
    )
    queue_mail(message)
