"""Schemas of the account-recovery API: ask for a reset link, hear that a mail is on its way."""

from __future__ import annotations

from apiflask.fields import Nested, String
from apiflask.validators import Length

from inkstone.auth.models import EMAIL_MAX
from inkstone.core.schemas import InputSchema, OutputSchema


class ResetRequestFields(InputSchema):
    email = String(required=True, validate=Length(1, EMAIL_MAX))


class ResetRequestIn(InputSchema):
    user = Nested(ResetRequestFields, required=True)


class MessageOut(OutputSchema):
    message = String(required=True, metadata={"description": "What happened, for people."})
