"""The public Profile shape, shared by profiles, articles and comments."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Nested, String

from inkstone.core.schemas import OutputSchema, TextOrEmpty


class ProfileFields(Schema):
    username = String(required=True)
    bio = TextOrEmpty(required=True)
    image = TextOrEmpty(required=True)
    following = Boolean(required=True)


class ProfileOut(OutputSchema):
    profile = Nested(ProfileFields, required=True)
