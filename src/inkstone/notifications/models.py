"""Notification, NotificationPreference and NotificationDigest."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, and_
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, BigId, TimestampMixin


class Kind(StrEnum):
    """What a notification is about."""

    COMMENT = "comment"  # a comment on your article
    MENTION = "mention"  # a comment that names you (@username)
    FOLLOW = "follow"  # a new follower
    FAVORITE = "favorite"  # favorites of your article, grouped while unread
    JOB = "job"  # your export or import finished
    MODERATION = "moderation"  # a moderator hid your article
    REPORT = "report"  # a report you filed was resolved


class Channel(StrEnum):
    """How a kind reaches its reader; ``email`` and ``digest`` show in the site too."""

    SITE = "site"
    EMAIL = "email"  # a mail per notification, at once
    DIGEST = "digest"  # one mail a day with the day's unread ones
    OFF = "off"  # not made at all


def _known(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(member.value) for member in enum)})"


class Notification(TimestampMixin, Base):
    """Something that happened that ``user`` should hear of.

    ``created_at`` is when it last happened: a grouped favorite moves it forward with each
    new favorite, so the row rises to the top of the list again. ``data`` holds snapshots
    (the article's title and slug as they were, a moderator's reason, a job's kind and
    status, a report's action and note), so a notification still reads well once its
    subject has changed or gone.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_known("kind", Kind), name="kind_known"),
        CheckConstraint("actor_count >= 1", name="actor_count_positive"),
        # The list, newest first.
        Index("ix_notifications_user_id_created_at_id", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), default=None, index=True
    )
    # No foreign keys: a deleted comment's rows go with its event (``comment_deleted``), and
    # a purged job leaves its notification saying how it ended.
    comment_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    job_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_count: Mapped[int] = mapped_column(default=1)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    # When its mail (at once, or in a digest) was sent; NULL: not mailed (yet).
    emailed_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id}>"


_UNREAD = Notification.read_at.is_(None)
# The bell's count on every signed-in page: one COUNT over the unread rows of one reader,
# read off this index alone (read rows, however many, are not in it).
Index(
    "ix_notifications_unread",
    Notification.user_id,
    Notification.kind,
    sqlite_where=_UNREAD,
    postgresql_where=_UNREAD,
)
# At most one unread favorite row per reader and article: the one the next favorite grows.
_UNREAD_FAVORITE = and_(_UNREAD, Notification.kind == Kind.FAVORITE.value)
Index(
    "ix_notifications_unread_favorite",
    Notification.user_id,
    Notification.article_id,
    unique=True,
    sqlite_where=_UNREAD_FAVORITE,
    postgresql_where=_UNREAD_FAVORITE,
)


class NotificationPreference(Base):
    """How ``user`` wants one kind delivered; only choices that differ from the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(_known("kind", Kind), name="kind_known"),
        CheckConstraint(_known("channel", Channel), name="channel_known"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), index=True)

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.user_id} {self.kind}={self.channel}>"


class NotificationDigest(Base):
    """When ``user``'s last daily digest went out (a second beat that day sends nothing)."""

    __tablename__ = "notification_digests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<NotificationDigest {self.user_id} {self.sent_at}>"
