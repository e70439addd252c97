"""Invitations: single-use, expiring links that let someone sign up on an invite-only site.

An administrator creates one in the back office; its token (``secrets.token_urlsafe``) is shown
once, and mailed if an address is given. Only the token's SHA-256 is stored, so the table
leaks no usable link. Signing up with it marks it used in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, func, select, update
from sqlalchemy.orm import Mapped, aliased, mapped_column

from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import EMAIL_MAX, User
from inkstone.core.db import Base, BigId, utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from inkstone.core.mail import compose, queue_mail, site_url
from inkstone.core.pagination import PageRequest
from inkstone.core.site import site_settings
from inkstone.extensions import db

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


# The services: create, list, check, use and revoke invitations.

DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 30, 7
# A token longer than this was not made here (ours are 43 characters).
TOKEN_MAX = 128


class State(StrEnum):
    """Where an invitation stands."""

    PENDING = "pending"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Problem(StrEnum):
    """Why an invitation cannot be used to sign up."""

    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


# What the API says (the pages say it in the reader's language).
PROBLEM_MESSAGES = {
    Problem.MISSING: "this site is invite-only: sign up with an invitation",
    Problem.INVALID: "this invitation is not valid",
    Problem.EXPIRED: "this invitation has expired",
    Problem.USED: "this invitation has already been used",
    Problem.REVOKED: "this invitation has been revoked",
}


# The API's stable error codes (listed in ``auth.error_codes``).
PROBLEM_CODES = {
    Problem.MISSING: "auth.invitation_required",
    Problem.INVALID: "auth.invitation_invalid",
    Problem.EXPIRED: "auth.invitation_expired",
    Problem.USED: "auth.invitation_used",
    Problem.REVOKED: "auth.invitation_revoked",
}


class InvitationRefused(PermissionDenied):
    """An invitation that cannot be used to sign up, and why (403, field ``invitation``)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(PROBLEM_MESSAGES[problem], field="invitation", code=PROBLEM_CODES[problem])
        self.problem = problem


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of an invitation token: what is stored instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def state_of(invitation: Invitation, *, now: datetime | None = None) -> State:
    """Return where ``invitation`` stands now."""
    if invitation.used_at is not None:
        return State.USED
    if invitation.revoked_at is not None:
        return State.REVOKED
    if invitation.expires_at <= (now or utcnow()):
        return State.EXPIRED
    return State.PENDING


def create_invitation(
    *, actor: User, email: str = "", note: str = "", days: int = DAYS_DEFAULT
) -> tuple[Invitation, str]:
    """Create an invitation valid for ``days`` and return it with its token (shown once).

    With ``email``, the link is mailed there once the transaction commits.
    """
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise Invalid(f"must be between {DAYS_MIN} and {DAYS_MAX} days", field="expiresInDays")
    email = email.strip().lower()
    note = note.strip()
    if len(email) > EMAIL_MAX or (email and "@" not in email):
        raise Invalid("is not a valid email address", field="email")
    if len(note) > NOTE_MAX:
        raise Invalid(f"is longer than {NOTE_MAX} characters", field="note")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        token_hash=hash_token(token),
        email=email,
        note=note,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    record_event(
        Event.INVITATION_CREATED,
        user=None,
        actor=actor,
        invitation_id=str(invitation.id),
        email=email,
        days=days,
    )
    if email:
        _mail_invitation(invitation=invitation, token=token, actor=actor, days=days)
    return invitation, token


def invitation_url(token: str) -> str:
    """Return the sign-up link that carries ``token`` (on the site's configured address)."""
    return site_url("auth.register", invite=token)


def _mail_invitation(*, invitation: Invitation, token: str, actor: User, days: int) -> None:
    settings = site_settings()
    locale = settings.default_language or None
    if locale is None and has_request_context():
        current = get_locale()
        locale = str(current) if current is not None else None
    message = compose(
        to=invitation.email,
        subject=_l("You are invited to join %(site)s", site=settings.name),
        template="auth/mail/invitation",
        locale=locale,
        context={
            "link": invitation_url(token),
            "inviter": actor.username,
            "days": days,
        },
    )
    queue_mail(message)


def check_invitation(*, token: str | None) -> Invitation:
    """Return the pending invitation ``token`` names, or raise ``InvitationRefused``."""
    if not token:
        raise InvitationRefused(Problem.MISSING)
    if len(token) > TOKEN_MAX:
        raise InvitationRefused(Problem.INVALID)
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise InvitationRefused(Problem.INVALID)
    state = state_of(invitation)
    if state != State.PENDING:
        raise InvitationRefused(Problem(state.value))
    return invitation


def use_invitation(*, token: str | None, user: User) -> Invitation:
    """Mark the invitation ``token`` names as used by ``user`` (once, even under a race).

    One conditional UPDATE claims it: of two sign-ups racing with one link, only the first
    changes the row; the other gets ``InvitationRefused`` and its transaction rolls back.
    """
    invitation = check_invitation(token=token)
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(used_at=now, used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise InvitationRefused(Problem.USED)
    db.session.refresh(invitation)
    record_event(
        Event.INVITATION_USED,
        user=user,
        invitation_id=str(invitation.id),
        created_by_id=str(invitation.created_by_id or ""),
    )
    return invitation


def get_invitation(*, invitation_id: int) -> Invitation:
    """Return the invitation with this id, or raise ``NotFound``."""
    invitation = (
        db.session.get(Invitation, invitation_id) if is_possible_id(invitation_id) else None
    )
    if invitation is None:
        raise NotFound("invitation not found", field="invitation")
    return invitation


def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    """Revoke a pending invitation (``Conflict`` if it was used; revoking twice is a no-op)."""
    if invitation.used_at is not None:
        raise Conflict("this invitation has already been used", field="invitation")
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = utcnow()
    db.session.flush()
    record_event(Event.INVITATION_REVOKED, user=None, actor=actor, invitation_id=str(invitation.id))
    return invitation


@dataclass(frozen=True, slots=True)
class ListedInvitation:
    """An invitation with the usernames of who made it and who used it, and its state."""

    invitation: Invitation
    created_by: str | None
    used_by: str | None
    state: State


def list_invitations(*, page: PageRequest) -> tuple[list[ListedInvitation], int]:
    """Return one page of invitations, newest first, and how many there are."""
    creator, user = aliased(User), aliased(User)
    query = (
        select(Invitation, creator.username, user.username)
        .outerjoin(creator, creator.id == Invitation.created_by_id)
        .outerjoin(user, user.id == Invitation.used_by_id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    now = utcnow()
    rows = [
        ListedInvitation(
            invitation=invitation,
            created_by=created_by,
            used_by=used_by,
            state=state_of(invitation, now=now),
        )
        for invitation, created_by, used_by in db.session.execute(query)
    ]
    total = int(db.session.scalar(select(func.count()).select_from(Invitation)) or 0)
    return rows, total


def describe_invitation(invitation: Invitation) -> ListedInvitation:
    """Return ``invitation`` as a list shows it (who made it, who used it, its state)."""

    def name(user_id: int | None) -> str | None:
        user = db.session.get(User, user_id) if user_id is not None else None
        return user.username if user is not None else None

    return ListedInvitation(
        invitation=invitation,
        created_by=name(invitation.created_by_id),
        used_by=name(invitation.used_by_id),
        state=state_of(invitation),
    )
