"""User and Role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkstone.core.db import Base, BigId, TimestampMixin

USERNAME_MAX = 40
EMAIL_MAX = 254
BIO_MAX = 1000
IMAGE_MAX = 2048


class UserStatus(StrEnum):
    """Where an account is in its lifecycle."""

    UNVERIFIED = "unverified"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


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
        Index("uq_users_username_lower", func.lower("username"), unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
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

    # Loaded only when a user's scopes are needed (once per request for the signed-in user).
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="select")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"

    # Flask-Login's user protocol (UserMixin's, written out: it is untyped).
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether this account may hold a web session."""
        return self.status in (UserStatus.ACTIVE, UserStatus.UNVERIFIED)

    def get_id(self) -> str:
        """Return the id Flask-Login keeps in the session."""
        return str(self.id)

    @property
    def role_names(self) -> frozenset[str]:
        """Return the names of this user's roles."""
        return frozenset(role.name for role in self.roles)
