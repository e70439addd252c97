"""Invitations: single-use, expiring links that let someone sign up on an invite-only site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.auth.models import EMAIL_MAX
from inkstone.core.db import Base, BigId, utcnow

NOTE_MAX = 200


class Invitation(Base):
    """An invitation to sign up. Only a hash of its token is kept; the link is shown once."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Whom it was mailed to ("" when the link was copied instead); a note for the admin.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Invitation {self.id}>"
