"""Schemas of the account API: web sessions, deleting the account, asking for a reset link."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, List, Nested, String
from apiflask.validators import Length

from inkstone.auth.models import EMAIL_MAX
from inkstone.auth.passwords import PASSWORD_MAX
from inkstone.core.schemas import InputSchema, OutputSchema, StrictBoolean, Timestamp


class SessionFields(Schema):
    id = String(required=True, metadata={"description": "The session's id (a 64-bit integer)."})
    device = String(required=True, metadata={"description": 'e.g. "Firefox on Windows".'})
    ip = String(required=True, metadata={"description": "Where it was last used from."})
    created_at = Timestamp(required=True, data_key="createdAt")
    last_seen_at = Timestamp(required=True, data_key="lastSeenAt")
    current = Boolean(
        required=True,
        metadata={"description": "Always `false`: an API token is not a web session."},
    )


class SessionListOut(OutputSchema):
    sessions = List(Nested(SessionFields), required=True)


class DeleteAccountFields(InputSchema):
    password = String(
        required=True,
        validate=Length(1, PASSWORD_MAX),
        metadata={"description": "The account's current password."},
    )
    remove_content = StrictBoolean(
        load_default=False,
        data_key="removeContent",
        metadata={
            "description": "`true` deletes the user's articles and comments too; `false` "
            '(the default) keeps them, shown as by "deleted user".'
        },
    )


class DeleteAccountIn(InputSchema):
    user = Nested(DeleteAccountFields, required=True)


class ResetRequestFields(InputSchema):
    email = String(required=True, validate=Length(1, EMAIL_MAX))


class ResetRequestIn(InputSchema):
    user = Nested(ResetRequestFields, required=True)


class MessageOut(OutputSchema):
    message = String(required=True, metadata={"description": "What happened, for people."})
