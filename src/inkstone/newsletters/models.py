"""Subscriptions to an author's newsletter, the articles mailed, and who each was mailed to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.auth.models import EMAIL_MAX
from inkstone.core.db import Base, BigId, utcnow

TOKEN_KEY_LENGTH = 32


class SubscriptionStatus(StrEnum):
    """Where a subscription stands."""

    PENDING = "pending"  # waiting for the address to be confirmed (double opt-in)
    CONFIRMED = "confirmed"  # mailed every new article
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"  # the mail server refused the address for good: no more mail


class Subscription(Base):
    """One address subscribed to one author (a signed-in subscriber's account too, if any).

    ``email_key`` (the address case-folded) makes an address unique per author however it is
    typed. ``token_key`` is part of every link made for this row: changing it (on
    unsubscribing, on subscribing again) makes the links already sent worthless.
    """

    __tablename__ = "newsletter_subscriptions"
    __table_args__ = (
        UniqueConstraint("author_id", "email_key"),
        # An author's confirmed subscribers in id order (the mailing batches), and the
        # counts per author and status.
        Index("ix_newsletter_subscriptions_author_status", "author_id", "status", "id"),
        # Totals by status and the purge of old pending rows (the back office, beat).
        Index("ix_newsletter_subscriptions_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    email_key: Mapped[str] = mapped_column(String(EMAIL_MAX), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SubscriptionStatus.PENDING.value)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    token_key: Mapped[str] = mapped_column(String(TOKEN_KEY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Subscription {self.id} author={self.author_id} {self.status}>"


class Mailing(Base):
    """An article mailed to its author's subscribers: at most one per article, ever.

    ``last_subscription_id`` is the last subscription handled: each batch goes on after it.
    """

    __tablename__ = "newsletter_mailings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), unique=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_subscription_id: Mapped[int] = mapped_column(BigId, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    bounced_count: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Mailing {self.id} article={self.article_id}>"


class DeliveryStatus(StrEnum):
    """What became of one mail of a mailing."""

    SENT = "sent"
    BOUNCED = "bounced"


class Delivery(Base):
    """One subscriber mailed (or refused) for one mailing: a retried batch skips them."""

    __tablename__ = "newsletter_deliveries"

    mailing_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_mailings.id", ondelete="CASCADE"), primary_key=True
    )
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_subscriptions.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Delivery {self.mailing_id}/{self.subscription_id} {self.status}>"
