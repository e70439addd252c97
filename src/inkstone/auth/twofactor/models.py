"""Two-factor authentication: an authenticator app's key, recovery codes, trusted browsers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.auth.models import IP_MAX, USER_AGENT_MAX
from inkstone.core.db import Base, BigId, utcnow


class TotpDevice(Base):
    """A person's authenticator app (TOTP, RFC 6238): one per account.

    ``confirmed_at`` is ``None`` while set-up waits for its first code: an unconfirmed key
    asks nothing at sign-in. ``last_counter`` is the time step of the last code accepted; a
    code of that step or an earlier one is refused (no reuse within its window).
    """

    __tablename__ = "totp_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))  # base32
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_counter: Mapped[int] = mapped_column(BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<TotpDevice of user {self.user_id}>"


class RecoveryCode(Base):
    """One single-use recovery code, kept as a SHA-256 digest (the codes are random)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"


class TrustedBrowser(Base):
    """A browser that passed two-factor and asked not to be asked again for a while.

    The browser holds a random token in a signed cookie; this row holds its digest, so a
    reset of the second factor (or signing out everywhere) ends the trust.
    """

    __tablename__ = "trusted_browsers"
    __table_args__ = (Index("ix_trusted_browsers_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ip: Mapped[str] = mapped_column(String(IP_MAX), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX), default="")

    def __repr__(self) -> str:
        return f"<TrustedBrowser {self.id} of user {self.user_id}>"
