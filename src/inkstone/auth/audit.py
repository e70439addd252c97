"""The audit log: security events with time, account, actor, IP and user agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask import has_request_context, request
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from inkstone.auth.models import IP_MAX, USER_AGENT_MAX, AuditEvent, User
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db


class Event(StrEnum):
    """What happened."""

    REGISTERED = "account.registered"
    SIGNIN_SUCCEEDED = "signin.succeeded"
    SIGNIN_FAILED = "signin.failed"
    SIGNED_OUT = "signin.signed_out"
    SESSION_ENDED = "session.ended"
    SESSIONS_ENDED = "session.ended_everywhere"
    TOKENS_REVOKED = "tokens.revoked"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET_REQUESTED = "password.reset_requested"
    PASSWORD_RESET = "password.reset"
    EMAIL_CONFIRMED = "email.confirmed"
    EMAIL_CHANGE_REQUESTED = "email.change_requested"
    EMAIL_CHANGED = "email.changed"
    ROLES_CHANGED = "roles.changed"
    STATUS_CHANGED = "status.changed"
    ACCOUNT_DELETED = "account.deleted"
    # The back office: what moderators and admins did (the actor is always recorded; the
    # event is about the person whose content or account it touched).
    CONFIRMATION_RESENT = "email.confirmation_resent"
    ARTICLE_HIDDEN = "article.hidden"
    ARTICLE_RESTORED = "article.restored"
    ARTICLE_REMOVED = "article.removed"
    ARTICLE_PINNED = "article.pinned"
    ARTICLE_UNPINNED = "article.unpinned"
    COMMENT_REMOVED = "comment.removed"
    GUESTBOOK_REMOVED = "guestbook.removed"
    REPORT_FILED = "report.filed"
    REPORT_RESOLVED = "report.resolved"
    SITE_SETTINGS_CHANGED = "site.settings_changed"
    INVITATION_CREATED = "invitation.created"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_USED = "invitation.used"
    JOB_CANCELLED = "job.cancelled"
    JOB_RETRIED = "job.retried"
    UPLOAD_REMOVED = "upload.removed"
    AUDIT_EXPORTED = "audit.exported"
    SUBSCRIBER_REMOVED = "newsletter.subscriber_removed"
    # Sign-in methods: two-factor, passkeys, third-party accounts.
    TWO_FACTOR_ENABLED = "two_factor.enabled"
    TWO_FACTOR_DISABLED = "two_factor.disabled"
    TWO_FACTOR_FAILED = "two_factor.failed"
    TWO_FACTOR_RESET = "two_factor.reset"  # by an administrator
    RECOVERY_CODES_GENERATED = "two_factor.recovery_codes_generated"
    RECOVERY_CODE_USED = "two_factor.recovery_code_used"
    PASSKEY_ADDED = "passkey.added"
    PASSKEY_RENAMED = "passkey.renamed"
    PASSKEY_REMOVED = "passkey.removed"
    PROVIDER_LINKED = "provider.linked"
    PROVIDER_UNLINKED = "provider.unlinked"


def client_ip() -> str:
    """Return the address of the client of this request ('' outside a request)."""
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:IP_MAX]


def client_agent() -> str:
    """Return the User-Agent of this request, cut to what is stored ('' outside a request)."""
    if not has_request_context():
        return ""
    return request.headers.get("User-Agent", "")[:USER_AGENT_MAX]


def record_event(
    event: Event, *, user: User | None, actor: User | None = None, **detail: Any
) -> AuditEvent:
    """Add ``event`` about ``user`` (caused by ``actor`` when someone else) to the log."""
    entry = AuditEvent(
        event=event.value,
        user_id=user.id if user is not None else None,
        actor_id=actor.id if actor is not None and actor is not user else None,
        ip=client_ip(),
        user_agent=client_agent(),
        detail=detail,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def list_events(
    *, user: User | None = None, event: str | None = None, limit: int = 50, offset: int = 0
) -> list[AuditEvent]:
    """Return events, newest first: one account's, one kind's, or all."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if user is not None:
        query = query.where(AuditEvent.user_id == user.id)
    if event is not None:
        query = query.where(AuditEvent.event == event)
    return list(db.session.scalars(query.limit(limit).offset(offset)))


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An audit event with the usernames of its account and actor (``None``: none, or gone)."""

    id: int
    event: str
    created_at: datetime
    user: str | None
    actor: str | None
    ip: str
    user_agent: str
    detail: dict[str, Any]


def _filtered(
    query: Any,
    *,
    user: User | None = None,
    actor: User | None = None,
    event: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    """Return ``query`` on audit events kept to those the filters name."""
    if user is not None:
        query = query.where(AuditEvent.user_id == user.id)
    if actor is not None:
        query = query.where(AuditEvent.actor_id == actor.id)
    if event is not None:
        query = query.where(AuditEvent.event == event)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    return query


def audit_log(
    *,
    page: PageRequest,
    user: User | None = None,
    event: str | None = None,
    hide_others_clients: bool = False,
    actor: User | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: tuple[datetime, int] | None = None,
) -> list[LoggedEvent]:
    """Return one page of audit events, newest first, in one query.

    ``user`` keeps the events about that account; ``actor`` those someone else caused;
    ``event`` one kind; ``since`` (inclusive) and ``until`` (exclusive) a time range. With
    ``before`` (the time and id of the last event of the previous page), the page starts
    after that event, however many came meanwhile (a keyset page; ``page.offset`` is then
    best 0). With ``hide_others_clients`` (a user reading their own log), the address and
    browser of an event someone else caused (an admin changing your roles) are left out:
    they are theirs.
    """
    subject, actor_user = aliased(User), aliased(User)
    query = (
        select(AuditEvent, subject.username, actor_user.username)
        .outerjoin(subject, subject.id == AuditEvent.user_id)
        .outerjoin(actor_user, actor_user.id == AuditEvent.actor_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    query = _filtered(query, user=user, actor=actor, event=event, since=since, until=until)
    if before is not None:
        at, last_id = before
        query = query.where(
            or_(
                AuditEvent.created_at < at,
                and_(AuditEvent.created_at == at, AuditEvent.id < last_id),
            )
        )
    logged = []
    for entry, subject_name, actor_name in db.session.execute(query):
        hidden = hide_others_clients and entry.actor_id is not None
        logged.append(
            LoggedEvent(
                id=entry.id,
                event=entry.event,
                created_at=entry.created_at,
                user=subject_name,
                actor=actor_name,
                ip="" if hidden else entry.ip,
                user_agent="" if hidden else entry.user_agent,
                detail=entry.detail or {},
            )
        )
    return logged


def count_audit_events(
    *,
    user: User | None = None,
    actor: User | None = None,
    event: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Count the events the filters of ``audit_log`` keep."""
    query = _filtered(
        select(func.count(AuditEvent.id)),
        user=user,
        actor=actor,
        event=event,
        since=since,
        until=until,
    )
    return int(db.session.scalar(query) or 0)
