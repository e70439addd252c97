"""Follow: one user following another."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, utcnow


class Follow(Base):
    """``follower`` reads ``followee``'s articles in their feed."""

    __tablename__ = "follows"
    __table_args__ = (CheckConstraint("follower_id <> followee_id", name="no_self_follow"),)

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followee_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Follow {self.follower_id}->{self.followee_id}>"


class Block(Base):
    """``blocker`` has blocked ``blocked``: no follows between them, no notifications from them.

    The primary key (blocker first) answers "whom have I blocked"; the index on ``blocked_id``
    answers "who blocked me" (a follow refused, an account's blocks removed with it).
    """

    __tablename__ = "blocks"
    __table_args__ = (CheckConstraint("blocker_id <> blocked_id", name="no_self_block"),)

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Block {self.blocker_id}->{self.blocked_id}>"
