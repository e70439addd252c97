"""Scheduled publishing: a draft with a ``publish_at`` is published by the worker at that time.

The author picks the time in their own time zone (``User.timezone``, else the site's default);
it is stored in UTC. Rules (``check_publish_at``, applied by ``services``): the time may not be
past (beyond ``LEEWAY``, for a slow form), nor more than ``HORIZON`` ahead; only a draft is
scheduled — a published article is taken back to a draft first (in the same request or
before); a hidden article is refused as publishing it is. Publishing it now, or cancelling,
clears the time.

``scheduler.publish_due`` (the beat's ``inkstone.articles.publish_due`` every
``PUBLISH_DUE_EVERY``, and ``flask articles publish-due``) publishes each due draft in its own
short transaction. It first
*claims* the draft with one conditional UPDATE — ``publish_at`` cleared where the row is still
an unhidden draft whose time has come — and publishes only if that UPDATE changed the row.
Two beats, a retried task or two workers racing can all try; the database lets exactly one
UPDATE match (the others wait on the row and then find ``publish_at`` cleared), so each draft
is published once. The publish itself is ``services.update_article(published=True)``, as the
author's "Publish" button does: the date becomes now, counters move and ``article_published``
fires after the commit (search, feeds, notifications, newsletters follow). A time missed while
no worker ran is simply due at the next beat.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, select

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.core.db import reads, utcnow
from inkstone.core.errors import Invalid
from inkstone.i18n.locale import valid_timezone

PUBLISH_DUE_TASK = "inkstone.articles.publish_due"
PUBLISH_DUE_EVERY = timedelta(seconds=30)
LEEWAY = timedelta(minutes=1)
HORIZON = timedelta(days=366)
FIELD = "publishAt"

IN_THE_PAST = "this time has passed: choose a time in the future"
TOO_FAR = "choose a time within a year"
NOT_A_TIME = "not a valid time"
PUBLISHED_ALREADY = "a published article can't be scheduled: unpublish it first"


def author_zone(author: User) -> ZoneInfo:
    """Return the time zone ``author`` reads times in: theirs, else the site's default."""
    if author.timezone and valid_timezone(author.timezone):
        return ZoneInfo(author.timezone)
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def to_utc(when: datetime, *, author: User) -> datetime:
    """Return ``when`` in UTC; a naive time is read in ``author``'s time zone."""
    try:
        if when.tzinfo is None:
            when = when.replace(tzinfo=author_zone(author))
        return when.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 minus an offset, year 9999 plus one
        raise Invalid(NOT_A_TIME, field=FIELD) from None


def check_publish_at(when: datetime, *, author: User, now: datetime | None = None) -> datetime:
    """Return ``when`` in UTC if a draft may be scheduled for it, else raise ``Invalid``."""
    moment = to_utc(when, author=author)
    now = now or utcnow()
    if moment < now - LEEWAY:
        raise Invalid(IN_THE_PAST, field=FIELD)
    if moment > now + HORIZON:
        raise Invalid(TOO_FAR, field=FIELD)
    return moment


def in_zone(when: datetime, *, author: User) -> datetime:
    """Return ``when`` as a naive time in ``author``'s zone (the editor's field shows it)."""
    return when.astimezone(author_zone(author)).replace(tzinfo=None)


# --------------------------------------------------------------------------- reads

_PUBLISH_AT_OF = select(Article.publish_at).where(Article.slug == bindparam("slug"))
_PUBLISH_AT_AMONG = select(Article.slug, Article.publish_at).where(
    Article.slug.in_(bindparam("slugs", expanding=True)), Article.publish_at.is_not(None)
)


def publish_at_of(*, slug: str) -> datetime | None:
    """Return when the draft with this slug is scheduled, or ``None``."""
    value: datetime | None = reads.scalar(_PUBLISH_AT_OF, {"slug": slug})
    return value


def scheduled_among(*, slugs: list[str]) -> dict[str, datetime]:
    """Return the scheduled times of those of these drafts that have one, by slug (one query)."""
    if not slugs:
        return {}
    return dict(reads.execute(_PUBLISH_AT_AMONG, {"slugs": slugs}).all())
