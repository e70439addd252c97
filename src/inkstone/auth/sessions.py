"""Where a user is signed in: one record per web session, listed and ended in settings.

A web session names its record in Flask-Login's user id (``"<user>:<version>:<record>"``),
and so does the remember-me cookie made from it. Deleting the record ends that session and
its cookie; bumping the user's token version ends all of them, and every API token too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.orm import contains_eager

from inkstone.auth.audit import client_agent, client_ip
from inkstone.auth.models import Role, User, UserSession, user_roles
from inkstone.core.db import utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import NotFound
from inkstone.extensions import db

# "Last seen" is written at most this often per session, not on every request.
SEEN_EVERY = timedelta(minutes=5)


class Identity(NamedTuple):
    """What a web session's Flask-Login id says: whose, which token version, which record."""

    user_id: int
    version: int
    session_id: int

    def __str__(self) -> str:
        return f"{self.user_id}:{self.version}:{self.session_id}"


def parse_identity(value: str) -> Identity | None:
    """Return the identity a session or remember-me cookie carries, or ``None`` if malformed."""
    parts = value.split(":")
    if len(parts) != 3 or not all(part.isdigit() and len(part) <= 19 for part in parts):
        return None
    user_id, version, session_id = (int(part) for part in parts)
    if not (is_possible_id(user_id) and is_possible_id(session_id)):
        return None
    return Identity(user_id, version, session_id)


def start_session(*, user: User, remember: bool) -> UserSession:
    """Record a new web session for ``user`` from this request's client."""
    record = UserSession(
        user_id=user.id, ip=client_ip(), user_agent=client_agent(), remember=remember
    )
    db.session.add(record)
    db.session.flush()
    return record


def identity_of(user: User, record: UserSession) -> Identity:
    """Return the identity that names ``record`` in the web session."""
    return Identity(user.id, user.token_version, record.id)


def find_signed_in(identity: Identity) -> tuple[User, UserSession] | None:
    """Return the user and session record ``identity`` names, if both still hold (one query).

    The user's roles come in the same query: every page asks for the signed-in user's scopes
    (the navigation shows the back office to those who may open it).
    """
    row = (
        db.session.execute(
            select(User, UserSession)
            .join(UserSession, UserSession.user_id == User.id)
            # Flat outer joins: SQLite reads a nested (user_roles JOIN roles) whole first.
            .outerjoin(user_roles, user_roles.c.user_id == User.id)
            .outerjoin(Role, Role.id == user_roles.c.role_id)
            .where(User.id == identity.user_id, UserSession.id == identity.session_id)
            .options(contains_eager(User.roles))
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    user, record = row
    if user.token_version != identity.version:
        return None
    return user, record


def needs_touch(record: UserSession) -> bool:
    """Tell whether the record's "last seen" is old enough to be written again."""
    return utcnow() - record.last_seen_at >= SEEN_EVERY


def touch_session(*, session_id: int, ip: str) -> None:
    """Note that a session was just used, and from where."""
    db.session.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=utcnow(), ip=ip)
    )


def list_sessions(*, user: User) -> list[UserSession]:
    """Return ``user``'s web sessions, most recently used first."""
    query = (
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return list(db.session.scalars(query))


def end_session(*, user: User, session_id: int) -> None:
    """End one of ``user``'s web sessions (``NotFound`` for anyone else's, or no such id)."""
    if is_possible_id(session_id):
        ended = db.session.execute(
            delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
        )
        if getattr(ended, "rowcount", 0):
            return
    raise NotFound("session not found", field="session")


def end_all_sessions(*, user: User) -> None:
    """End every web session and API token of ``user`` (the token version moves on)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.token_version += 1
    db.session.flush()


def end_everyone_s_sessions(**_: object) -> None:
    """End every web session and API token of every account (after a database restore)."""
    db.session.execute(delete(UserSession))
    # Not a change to anyone's profile: ``updated_at`` stays as it was.
    db.session.execute(
        update(User).values(token_version=User.token_version + 1, updated_at=User.updated_at)
    )
