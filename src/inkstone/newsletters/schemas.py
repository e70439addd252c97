"""API shapes of newsletter subscriptions (the Profile shape is left as RealWorld has it)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Nested, String
from apiflask.validators import Length

from inkstone.auth.models import EMAIL_MAX
from inkstone.core.schemas import InputSchema, OutputSchema, Timestamp


class SubscriptionFields(InputSchema):
    email = String(
        validate=Length(1, EMAIL_MAX),
        metadata={
            "description": "The address to mail (a signed-in caller may leave it out: "
            "their account's address)."
        },
    )


class SubscriptionIn(InputSchema):
    subscription = Nested(SubscriptionFields, load_default=dict)


class SubscriptionOutFields(Schema):
    author = String(required=True)
    email = String(required=True)
    status = String(
        required=True,
        metadata={
            "description": "`confirmed`, `unsubscribed`, or `pending` (a confirmation link "
            "was mailed, or the address is already subscribed: that is not revealed)."
        },
    )
    confirmed_at = Timestamp(allow_none=True, data_key="confirmedAt")


class SubscriptionOut(OutputSchema):
    subscription = Nested(SubscriptionOutFields, required=True)
