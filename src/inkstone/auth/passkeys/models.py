"""Passkeys: WebAuthn credentials a person signs in with, without a password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, BigId, utcnow

NAME_MAX = 64
CREDENTIAL_ID_MAX = 1366  # base64url of WebAuthn's 1,023-byte maximum


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
