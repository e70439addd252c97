"""Guestbook schemas, one per direction."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length

from inkstone.core.schemas import InputSchema, OutputSchema, TextOrEmpty, Timestamp
from inkstone.guestbook.models import BODY_MAX, NAME_MAX, GuestbookMessage


class MessageFields(InputSchema):
    name = String(
        validate=Length(0, NAME_MAX),
        metadata={"description": "The name to sign with; with a token it defaults to yours."},
    )
    body = String(
        required=True,
        validate=Length(1, BODY_MAX),
        metadata={"description": "Plain text; line breaks are kept."},
    )


class MessageIn(InputSchema):
    message = Nested(MessageFields, required=True)


class SignerFields(Schema):
    username = String(required=True)
    image = TextOrEmpty(required=True)


class MessageFieldsOut(Schema):
    id = String(required=True, metadata={"description": "The message's id (a 64-bit integer)."})
    name = String(required=True)
    body = String(required=True)
    created_at = Timestamp(required=True, data_key="createdAt")
    author = Nested(
        SignerFields,
        required=True,
        allow_none=True,
        metadata={"description": "The account that signed, if signed in; else `null`."},
    )


class MessageOut(OutputSchema):
    message = Nested(MessageFieldsOut, required=True)


class MessageListOut(OutputSchema):
    messages = List(Nested(MessageFieldsOut), required=True)
    messages_count = Integer(required=True, data_key="messagesCount")


def message_fields(message: GuestbookMessage) -> dict[str, Any]:
    """Return what the API shows of ``message`` (a deleted signer shows as nobody)."""
    author = message.author
    signer = None
    if author is not None and not author.is_deleted:
        signer = {"username": author.username, "image": author.image}
    return {
        "id": message.id,
        "name": message.name,
        "body": message.body,
        "created_at": message.created_at,
        "author": signer,
    }
