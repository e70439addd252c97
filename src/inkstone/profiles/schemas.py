"""The public Profile shape, shared by profiles, articles and comments."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Nested, String

from inkstone.auth.usernames import is_deleted_username
from inkstone.core.schemas import OutputSchema, TextOrEmpty

# Not a possible username (it has a space), so never mistaken for a real account.
DELETED_USER = "deleted user"


class Username(String):
    """A username; a deleted account's is shown as "deleted user"."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, str) and is_deleted_username(value):
            return DELETED_USER
        return super()._serialize(value, attr, obj, **kwargs)


class ProfileFields(Schema):
    username = Username(required=True)
    bio = TextOrEmpty(required=True)
    image = TextOrEmpty(required=True)
    following = Boolean(required=True)


class ProfileOut(OutputSchema):
    profile = Nested(ProfileFields, required=True)
