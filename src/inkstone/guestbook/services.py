"""Guestbook services: sign it, read it, moderate it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, or_, select

from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_scope
from inkstone.core.db import like
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Invalid, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.guestbook.models import BODY_MAX, NAME_MAX, GuestbookMessage


def _clean(value: str, *, field: str, limit: int) -> str:
    """Return ``value`` trimmed with Unix line breaks, or raise ``Invalid``."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid("can't be blank", field=field)
    if "\x00" in text:
        raise Invalid("must not contain NUL characters", field=field)
    if len(text) > limit:
        raise Invalid(f"is too long (maximum is {limit} characters)", field=field)
    return text


def post_message(*, name: str, body: str, author: User | None) -> GuestbookMessage:
    """Leave a message on the guestbook, signed by ``author`` when they are signed in.

    A signed-in author needs ``guestbook:write`` (an unconfirmed account may lose it, see
    ``permissions.ensure_scope``) and signs with their username when ``name`` is blank.
    """
    if author is not None:
        ensure_scope(author, Scope.GUESTBOOK_WRITE)
        if not name.strip():
            name = author.username
    message = GuestbookMessage(
        name=_clean(name, field="name", limit=NAME_MAX),
        body=_clean(body, field="body", limit=BODY_MAX),
        author=author,
    )
    db.session.add(message)
    db.session.flush()
    return message


def list_messages(*, page: PageRequest) -> tuple[list[GuestbookMessage], int]:
    """Return one page of messages, newest first (authors loaded with them), and the total."""
    query = (
        select(GuestbookMessage)
        .order_by(GuestbookMessage.created_at.desc(), GuestbookMessage.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    messages = list(db.session.scalars(query))
    if len(messages) < page.limit and (messages or page.offset == 0):
        # A short page is the last one: the total is known without counting.
        return messages, page.offset + len(messages)
    total = db.session.scalar(select(func.count()).select_from(GuestbookMessage)) or 0
    return messages, total


def get_message(*, message_id: int) -> GuestbookMessage:
    """Return the message with this id, or raise ``NotFound``."""
    message = db.session.get(GuestbookMessage, message_id) if is_possible_id(message_id) else None
    if message is None:
        raise NotFound("message not found", field="id")
    return message


def delete_message(*, message_id: int, actor: User) -> None:
    """Delete a message: a moderator's right (the audit log keeps who did it)."""
    ensure_scope(actor, Scope.GUESTBOOK_MODERATE)
    _remove(get_message(message_id=message_id), actor)


def _remove(message: GuestbookMessage, actor: User) -> None:
    record_event(
        Event.GUESTBOOK_REMOVED,
        user=message.author,
        actor=actor,
        message_id=str(message.id),
        name=message.name,
        excerpt=" ".join(message.body.split())[:80],
    )
    db.session.delete(message)
    db.session.flush()


def find_messages(*, ids: Iterable[int]) -> list[GuestbookMessage]:
    """Return the messages with these ids (unknown or impossible ids skipped), oldest first."""
    wanted = sorted({i for i in ids if is_possible_id(i)})
    if not wanted:
        return []
    query = (
        select(GuestbookMessage)
        .where(GuestbookMessage.id.in_(wanted))
        .order_by(GuestbookMessage.created_at, GuestbookMessage.id)
    )
    return list(db.session.scalars(query))


def remove_messages(*, ids: Iterable[int], actor: User) -> int:
    """Delete the messages with these ids (unknown ones skipped); return how many went."""
    ensure_scope(actor, Scope.GUESTBOOK_MODERATE)
    found = find_messages(ids=ids)
    for message in found:
        _remove(message, actor)
    return len(found)


def _searched(query: Select[Any], q: str | None, author: str | None) -> Select[Any]:
    if q:
        query = query.where(
            func.lower(GuestbookMessage.body).like(
                like.contains(q.strip().lower()), escape=like.ESCAPE
            )
        )
    if author:
        pattern = like.contains(author.strip().lower())
        query = query.outerjoin(User, User.id == GuestbookMessage.author_id).where(
            or_(
                func.lower(GuestbookMessage.name).like(pattern, escape=like.ESCAPE),
                func.lower(User.username).like(pattern, escape=like.ESCAPE),
            )
        )
    return query


def search_messages(
    *, page: PageRequest, q: str | None = None, author: str | None = None
) -> tuple[list[GuestbookMessage], int]:
    """Return one page of messages matching ``q`` (part of the body) and ``author`` (part of
    the name or username), newest first, and their total: the moderators' list."""
    query = _searched(select(GuestbookMessage), q, author)
    messages = list(
        db.session.scalars(
            query.order_by(GuestbookMessage.created_at.desc(), GuestbookMessage.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    if len(messages) < page.limit and (messages or page.offset == 0):
        return messages, page.offset + len(messages)
    counted = _searched(select(func.count(GuestbookMessage.id)), q, author)
    return messages, int(db.session.scalar(counted) or 0)
