"""The ways to prove who you are besides a password: their tables, and the questions sign-in asks.

Linked third-party accounts (``ExternalIdentity``), passkeys (``Passkey``), an authenticator
app (``TotpDevice``) with its recovery codes (``RecoveryCode``), and browsers that passed
two-factor (``TrustedBrowser``). They live together, below the packages that manage each
(``providers``, ``passkeys``, ``twofactor``) and the sign-in steps (``signin_flow``), because
each of those asks about the others: may this passkey go (is there a password, a provider, a
TOTP left?), does this sign-in need a second factor (a TOTP or a passkey?).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    delete,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.auth.models import EMAIL_MAX, IP_MAX, USER_AGENT_MAX, User
from inkstone.core.db import Base, BigId, utcnow
from inkstone.extensions import db

PROVIDER_MAX = 40
SUBJECT_MAX = 255


# The longest second-factor code anyone types: longer is neither an app's code nor a recovery code.
CODE_MAX = 32
NAME_MAX = 64
CREDENTIAL_ID_MAX = 1366  # base64url of WebAuthn's 1,023-byte maximum


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


class Passkey(Base):
    """One registered WebAuthn credential (a discoverable one: a passkey).

    ``credential_id`` is base64url (unique: a sign-in finds the passkey by it).
    ``user_handle`` is the random WebAuthn user id given at registration, the same for all
    of a person's passkeys (never the account id, which would leak to the authenticator).
    """

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(CREDENTIAL_ID_MAX), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    user_handle: Mapped[str] = mapped_column(String(128))  # base64url
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    backed_up: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Passkey {self.id} {self.name!r} of user {self.user_id}>"


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


def has_second_factor(user: User) -> bool:
    """Tell whether ``user`` has a second factor: a confirmed authenticator app or a passkey."""
    totp = exists().where(TotpDevice.user_id == user.id, TotpDevice.confirmed_at.is_not(None))
    passkey = exists().where(Passkey.user_id == user.id)
    return bool(db.session.scalar(select(totp | passkey)))


def forget_trusted_browsers(*, user: User) -> None:
    """End every trusted browser of ``user`` (they ask for the second factor again)."""
    db.session.execute(delete(TrustedBrowser).where(TrustedBrowser.user_id == user.id))
