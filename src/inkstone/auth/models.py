"""User and Role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from inkstone.auth.usernames import canonical, skeleton
from inkstone.core.db import Base, BigId, TimestampMixin, utcnow

USERNAME_MAX = 40
EMAIL_MAX = 254
BIO_MAX = 1000
IMAGE_MAX = 2048
USER_AGENT_MAX = 512
IP_MAX = 45


class UserStatus(StrEnum):
    """Where an account is in its lifecycle."""

    UNVERIFIED = "unverified"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


# Accounts that may sign in, and so follow the links in account mail and receive it.
SIGN_IN_STATUSES = frozenset({UserStatus.ACTIVE, UserStatus.UNVERIFIED})


class RoleName(StrEnum):
    """The roles seeded by migration, lowest first."""

    READER = "reader"
    AUTHOR = "author"
    MODERATOR = "moderator"
    ADMIN = "admin"


user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(Base):
    """A named bundle of permission scopes."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


_statuses = ", ".join(f"'{s.value}'" for s in UserStatus)


class User(TimestampMixin, Base):
    """An account: a reader, an author, a moderator or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"status IN ({_statuses})", name="status_known"),
        CheckConstraint(f"length(username) BETWEEN 1 AND {USERNAME_MAX}", name="username_length"),
        CheckConstraint(f"length(email) BETWEEN 3 AND {EMAIL_MAX}", name="email_length"),
        CheckConstraint(f"length(bio) <= {BIO_MAX}", name="bio_length"),
        CheckConstraint(f"length(image) <= {IMAGE_MAX}", name="image_length"),
        CheckConstraint("articles_count >= 0", name="articles_count_positive"),
        CheckConstraint("favorites_count >= 0", name="favorites_count_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    # Set with ``username`` (see ``_derive_username_forms``): the canonical form every look-up
    # compares (NFKC + case folding) and the look-alike skeleton; each unique.
    username_key: Mapped[str] = mapped_column(Text, unique=True)
    username_skeleton: Mapped[str] = mapped_column(Text, unique=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    bio: Mapped[str] = mapped_column(String(BIO_MAX), default="")
    image: Mapped[str | None] = mapped_column(String(IMAGE_MAX), default=None)
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE.value)
    articles_count: Mapped[int] = mapped_column(default=0)
    favorites_count: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Display preferences; None follows the browser (language switcher cookie, Accept-Language,
    # the browser's time zone).
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # Bumped to end every API token and web session at once (password reset, "sign out
    # everywhere", suspension); tokens and sessions carry the version they were made with.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # A new address waiting for its confirmation link to be followed.
    pending_email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    # Loaded only when a user's scopes are needed (once per request for the signed-in user).
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="select")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"

    @validates("username")
    def _derive_username_forms(self, _key: str, username: str) -> str:
        self.username_key = canonical(username)
        self.username_skeleton = skeleton(username)
        return username

    # Flask-Login's user protocol (UserMixin's, written out: it is untyped).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether this account may hold a web session."""
        return self.status in (UserStatus.ACTIVE, UserStatus.UNVERIFIED)

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session (bound to a session record later)."""
        return str(self.id)

    @property
    def is_deleted(self) -> bool:
        """Tell whether the account was deleted (its content may remain)."""
        return self.status == UserStatus.DELETED

    @property
    def role_names(self) -> frozenset[str]:
        """Return the names of this user's roles."""
        return frozenset(role.name for role in self.roles)


class UserSession(Base):
    """A place where a user is signed in to the web site: listed, and ended, in settings."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_last_seen_at", "user_id", "last_seen_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(String(IP_MAX), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX), default="")
    remember: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class AuditEvent(Base):
    """A security-relevant event: who it happened to, who did it, from where, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_user_id_created_at", "user_id", "created_at"),
        Index("ix_audit_events_event_created_at", "event", "created_at"),
        # The whole log, newest first: the back office's audit page and dashboard.
        Index("ix_audit_events_created_at_id", "created_at", "id"),
        Index("ix_audit_events_actor_id_created_at", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(String(40))
    # The account the event is about (None: an unknown account, e.g. a failed sign-in).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Who caused it, when someone else did (an admin changing roles); None: the user or nobody.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    ip: Mapped[str] = mapped_column(String(IP_MAX), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.event} user={self.user_id}>"
