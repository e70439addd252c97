"""A message left on the guestbook."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkstone.auth.models import User
from inkstone.core.db import Base, BigId, utcnow

NAME_MAX = 40
BODY_MAX = 500


class GuestbookMessage(Base):
    """One message: a name, a body and, when signed in, the user who left it."""

    __tablename__ = "guestbook_messages"
    __table_args__ = (
        CheckConstraint(f"length(name) BETWEEN 1 AND {NAME_MAX}", name="name_length"),
        CheckConstraint(f"length(body) BETWEEN 1 AND {BODY_MAX}", name="body_length"),
        Index("ix_guestbook_messages_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    body: Mapped[str] = mapped_column(String(BODY_MAX))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<GuestbookMessage {self.id} by {self.name}>"
