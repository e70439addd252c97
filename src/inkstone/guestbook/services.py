"""Guestbook services: sign it, read it, moderate it."""

from __future__ import annotations

from sqlalchemy import func, select

from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_scope
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


def delete_message(*, message_id: int, actor: User) -> None:
    """Delete a message: a moderator's right."""
    ensure_scope(actor, Scope.GUESTBOOK_MODERATE)
    message = db.session.get(GuestbookMessage, message_id) if is_possible_id(message_id) else None
    if message is None:
        raise NotFound("message not found", field="id")
    db.session.delete(message)
    db.session.flush()
