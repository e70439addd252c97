"""Third-party accounts linked to an Inkstone account (OpenID Connect, GitHub)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.auth.models import EMAIL_MAX
from inkstone.core.db import Base, BigId, utcnow

PROVIDER_MAX = 40
SUBJECT_MAX = 255


class ExternalIdentity(Base):
    """A provider's account (its ``subject``) linked to one of ours.

    One provider account signs in to one Inkstone account, and an Inkstone account links at
    most one account of each provider. ``email`` is what the provider last said, for the
    settings page; it never decides which account signs in.
    """

    __tablename__ = "external_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_external_identities_provider_subject"),
        UniqueConstraint("user_id", "provider", name="uq_external_identities_user_id_provider"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(PROVIDER_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<ExternalIdentity {self.provider}:{self.subject} of user {self.user_id}>"
