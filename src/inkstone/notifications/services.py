"""Notification services: the rules of who hears of what, the list, the count, read marks.

``notify`` is the one place the rules live: nobody hears of their own action, nor of one by
someone they blocked or by a suspended or deleted account, nor of a kind they turned off, nor
of an article they cannot see. Favorites are grouped: while a reader has not read it, one row
per article grows ("Ana and 12 others favorited …") instead of one row per favorite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from inkstone.articles.models import Article
from inkstone.auth.models import User, UserStatus
from inkstone.core.db import reads, utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Invalid, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.notifications.models import (
    Channel,
    Kind,
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from inkstone.profiles.services import ProfileView, blocked_ids

# What a reader gets unless they chose otherwise. Everything shows in the site. Mail by
# default only for what is addressed to you and asks for an answer or concerns your work
# being taken down, as GitHub does for "participating" (mentions, replies) and Ghost for
# comments on a post; follows, favorites and your own jobs stay in the site (noisy, or
# something you are watching already), as do resolved reports.
DEFAULT_CHANNELS: dict[Kind, Channel] = {
    Kind.COMMENT: Channel.EMAIL,
    Kind.MENTION: Channel.EMAIL,
    Kind.FOLLOW: Channel.SITE,
    Kind.FAVORITE: Channel.SITE,
    Kind.JOB: Channel.SITE,
    Kind.MODERATION: Channel.EMAIL,
    Kind.REPORT: Channel.SITE,
}
# Moderators act for the site: the reader hears what was done, not by whom (the audit log
# keeps that), as the article page shows a hidden article's reason and no name.
ANONYMOUS_KINDS = frozenset({Kind.MODERATION, Kind.REPORT})
_SILENT_ACTORS = frozenset({UserStatus.SUSPENDED.value, UserStatus.DELETED.value})
_REACHABLE = frozenset({UserStatus.ACTIVE.value, UserStatus.UNVERIFIED.value})


# ----------------------------------------------------------------------------- preferences


def preferences(*, user_id: int) -> dict[Kind, Channel]:
    """Return how ``user_id`` wants each kind delivered (their choices over the defaults)."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {kind: Channel(chosen.get(kind, DEFAULT_CHANNELS[kind])) for kind in Kind}


def channel_for(*, user_id: int, kind: Kind) -> Channel:
    """Return how ``user_id`` wants ``kind`` delivered (one primary-key read)."""
    chosen = db.session.scalar(
        select(NotificationPreference.channel).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind.value
        )
    )
    return Channel(chosen) if chosen is not None else DEFAULT_CHANNELS[kind]


def set_preferences(*, user: User, choices: Mapping[str, str]) -> dict[Kind, Channel]:
    """Save ``user``'s choices (kind → channel); ``Invalid`` names an unknown kind or channel.

    Kinds left out keep their current choice. Only choices that differ from the default are
    stored, so a later change of a default reaches everyone who never chose.
    """
    parsed: dict[Kind, Channel] = {}
    for kind, channel in choices.items():
        if kind not in Kind.__members__.values():
            raise Invalid("is not a kind of notification", field=str(kind)[:40])
        if channel not in Channel.__members__.values():
            raise Invalid("must be one of site, email, digest, off", field=kind)
        parsed[Kind(kind)] = Channel(channel)
    for kind, channel in parsed.items():
        db.session.execute(
            delete(NotificationPreference).where(
                NotificationPreference.user_id == user.id,
                NotificationPreference.kind == kind.value,
            )
        )
        if channel is not DEFAULT_CHANNELS[kind]:
            db.session.add(
                NotificationPreference(user_id=user.id, kind=kind.value, channel=channel.value)
            )
    db.session.flush()
    return preferences(user_id=user.id)


# ----------------------------------------------------------------------------- notify


@dataclass(frozen=True)
class Made:
    """A notification ``notify`` made or grew, and how its reader wants it delivered."""

    notification: Notification
    recipient: User
    channel: Channel
    new: bool


def _can_see(recipient_id: int, article: Article) -> bool:
    return bool(article.published) or article.author_id == recipient_id


def notify(
    *,
    recipient_id: int,
    kind: Kind,
    actor: User | None = None,
    article: Article | None = None,
    comment_id: int | None = None,
    job_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> Made | None:
    """Tell ``recipient_id`` of something ``actor`` did, if the rules allow; return what was made.

    None when the rules say nothing is to be made. The caller mails it (``mailing``) when
    the reader wants mail at once.
    """
    if actor is not None and (actor.id == recipient_id or actor.status in _SILENT_ACTORS):
        return None
    recipient = db.session.get(User, recipient_id)
    if recipient is None or recipient.status not in _REACHABLE:
        return None
    if actor is not None and actor.id in blocked_ids(user_id=recipient_id):
        return None
    channel = channel_for(user_id=recipient_id, kind=kind)
    if channel is Channel.OFF:
        return None
    if article is not None and not _can_see(recipient_id, article):
        return None
    snapshot: dict[str, Any] = {}
    if article is not None:
        snapshot = {"title": article.title, "slug": article.slug}
    snapshot.update(data or {})
    actor_id = None if actor is None or kind in ANONYMOUS_KINDS else actor.id
    if kind is Kind.FAVORITE and article is not None and actor_id is not None:
        row, new = _group_favorite(recipient_id, article, actor_id, snapshot, channel)
        return Made(row, recipient, channel, new)
    if kind is Kind.FOLLOW and _unread_follow_from(recipient_id, actor_id):
        return None  # following, unfollowing and following again says it once
    row = Notification(
        user_id=recipient_id,
        kind=kind.value,
        actor_id=actor_id,
        article_id=article.id if article is not None else None,
        comment_id=comment_id,
        job_id=job_id,
        data=snapshot,
    )
    db.session.add(row)
    db.session.flush()
    return Made(row, recipient, channel, True)


def _unread_follow_from(recipient_id: int, actor_id: int | None) -> bool:
    found = db.session.scalar(
        select(Notification.id)
        .where(
            Notification.user_id == recipient_id,
            Notification.read_at.is_(None),
            Notification.kind == Kind.FOLLOW.value,
            Notification.actor_id == actor_id,
        )
        .limit(1)
    )
    return found is not None


def _unread_favorite(recipient_id: int, article_id: int) -> Notification | None:
    return db.session.scalar(
        select(Notification).where(
            Notification.user_id == recipient_id,
            Notification.read_at.is_(None),
            Notification.kind == Kind.FAVORITE.value,
            Notification.article_id == article_id,
        )
    )


def _group_favorite(
    recipient_id: int,
    article: Article,
    actor_id: int,
    snapshot: dict[str, Any],
    channel: Channel,
) -> tuple[Notification, bool]:
    """Grow the reader's unread favorite row of ``article``, or start one; return it and
    whether it is new. Two favorites committed at once both try to start it: the unique
    partial index lets one in, and the other grows it."""
    row = _unread_favorite(recipient_id, article.id)
    if row is None:
        try:
            with db.session.begin_nested():
                row = Notification(
                    user_id=recipient_id,
                    kind=Kind.FAVORITE.value,
                    actor_id=actor_id,
                    article_id=article.id,
                    data=snapshot,
                )
                db.session.add(row)
            return row, True
        except IntegrityError:
            row = _unread_favorite(recipient_id, article.id)
            if row is None:
                raise
    if row.actor_id != actor_id:  # the same reader again (favorite, unfavorite…) adds no one
        row.actor_count = Notification.actor_count + 1
    row.actor_id = actor_id
    row.created_at = utcnow()  # the latest favorite brings it to the top of the list
    row.data = snapshot
    if channel is Channel.DIGEST:
        row.emailed_at = None  # tomorrow's digest tells the new count
    db.session.flush()
    db.session.refresh(row)
    return row, False


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class NotificationView:
    """A notification as its reader sees it."""

    id: int
    kind: Kind
    created_at: datetime
    read: bool
    actor: ProfileView | None
    actor_count: int
    article_slug: str | None  # the article as it is now (None: none, or gone)
    article_title: str | None
    comment_id: int | None
    job_id: int | None
    data: Mapping[str, Any]


_Actor = aliased(User, name="actor")


def _rows(user_id: int) -> Any:  # a Select of the row and its actor and article columns
    return (
        select(
            Notification,
            _Actor.username,
            _Actor.bio,
            _Actor.image,
            Article.slug,
            Article.title,
        )
        .outerjoin(_Actor, _Actor.id == Notification.actor_id)
        .outerjoin(Article, Article.id == Notification.article_id)
        .where(
            Notification.user_id == user_id,
            # An article that went back to draft is no one's business but its author's.
            or_(
                Notification.article_id.is_(None),
                Article.published == true(),
                Article.author_id == user_id,
            ),
        )
    )


def _view(row: Any) -> NotificationView:
    n: Notification = row[0]
    actor = None
    if n.actor_id is not None and row.username is not None:
        actor = ProfileView(row.username, row.bio, row.image, False)
    return NotificationView(
        id=n.id,
        kind=Kind(n.kind),
        created_at=n.created_at,
        read=n.read_at is not None,
        actor=actor,
        actor_count=n.actor_count,
        article_slug=row.slug,
        article_title=row.title if row.title is not None else n.data.get("title"),
        comment_id=n.comment_id,
        job_id=n.job_id,
        data=dict(n.data or {}),
    )


def list_notifications(
    *, user: User, page: PageRequest, unread_only: bool = False
) -> tuple[list[NotificationView], int]:
    """Return a page of ``user``'s notifications, newest first, and how many there are."""
    query = _rows(user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    rows = db.session.execute(ordered.limit(page.limit).offset(page.offset)).all()
    return [_view(row) for row in rows], int(total)


def get_notification(*, user: User, notification_id: int) -> NotificationView:
    """Return one of ``user``'s notifications (``NotFound`` if it is not theirs, or hidden)."""
    if not is_possible_id(notification_id):
        raise NotFound("notification not found", field="id")
    row = db.session.execute(_rows(user.id).where(Notification.id == notification_id)).first()
    if row is None:
        raise NotFound("notification not found", field="id")
    return _view(row)


_UNREAD_COUNT = select(func.count()).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)
)


def unread_count(*, user_id: int) -> int:
    """Return how many unread notifications ``user_id`` has: one COUNT on the unread index."""
    return int(reads.scalar(_UNREAD_COUNT, {"user_id": user_id}) or 0)


def mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark ``user``'s notifications read, all of them or those of ``ids``; return how many.

    Ids that are not ``user``'s are passed over (the answer counts only theirs).
    """
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        wanted = sorted({i for i in ids if is_possible_id(i)})
        if not wanted:
            return 0
        statement = statement.where(Notification.id.in_(wanted))
    done: int = db.session.execute(statement).rowcount  # type: ignore[attr-defined]
    return done


# ----------------------------------------------------------------------------- removal


def forget_comment(*, comment_id: int) -> list[int]:
    """Remove the notifications of a deleted comment; return whose they were."""
    return _remove(Notification.comment_id == comment_id)


def forget_article_for_others(*, article_id: int, author_id: int) -> list[int]:
    """Remove an article's notifications but its author's (it went out of public view)."""
    return _remove(and_(Notification.article_id == article_id, Notification.user_id != author_id))


def forget_account(*, user_id: int) -> None:
    """Remove what an account being deleted had: its notifications, choices, digest state,
    and what it alone did to others (a grouped favorite keeps its count)."""
    _remove(Notification.user_id == user_id)
    _remove(and_(Notification.actor_id == user_id, Notification.actor_count == 1))
    for model in (NotificationPreference, NotificationDigest):
        db.session.execute(delete(model).where(model.user_id == user_id))
    db.session.flush()


def _remove(condition: Any) -> list[int]:
    owners = list(
        db.session.scalars(select(Notification.user_id).where(condition).distinct()).all()
    )
    if owners:
        db.session.execute(
            delete(Notification).where(condition).execution_options(synchronize_session=False)
        )
    return owners
