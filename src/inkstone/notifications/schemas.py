"""Schemas of the notifications API: the list, read marks, and the preferences."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Regexp
from marshmallow import ValidationError, validates_schema

from inkstone.core.pagination import MAX_LIMIT
from inkstone.core.schemas import InputSchema, OutputSchema, PageQuery, StrictBoolean, Timestamp
from inkstone.notifications.models import Channel, Kind
from inkstone.profiles.schemas import ProfileFields

KINDS = [kind.value for kind in Kind]
CHANNELS = [channel.value for channel in Channel]


class NotificationQuery(PageQuery):
    unread = Boolean(
        load_default=False, metadata={"description": "Only the notifications not read yet."}
    )


class NotificationArticle(Schema):
    slug = String(required=True)
    title = String(required=True)


class NotificationFields(Schema):
    id = String(required=True, metadata={"description": "The notification's id (an integer)."})
    kind = String(required=True, metadata={"enum": KINDS})
    read = Boolean(required=True)
    created_at = Timestamp(
        required=True,
        data_key="createdAt",
        metadata={"description": "When it last happened (a grouped favorite: the latest)."},
    )
    actor = Nested(
        ProfileFields,
        required=True,
        allow_none=True,
        metadata={"description": "Who did it (the latest, when grouped); `null`: the site."},
    )
    actor_count = Integer(
        required=True,
        data_key="actorCount",
        metadata={"description": "How many people did it (favorites are grouped while unread)."},
    )
    article = Nested(
        NotificationArticle,
        required=True,
        allow_none=True,
        metadata={"description": "The article it is about, if any."},
    )
    text = String(required=True, metadata={"description": "What happened, in your language."})
    url = String(
        required=True,
        allow_none=True,
        metadata={"description": "Where it leads: a path on this site, or `null`."},
    )


class NotificationListOut(OutputSchema):
    notifications = List(Nested(NotificationFields), required=True)
    notifications_count = Integer(required=True, data_key="notificationsCount")
    unread_count = Integer(required=True, data_key="unreadCount")


class ReadIn(InputSchema):
    ids = List(
        String(validate=Regexp(r"^[0-9]{1,19}$", error="must be a notification id")),
        validate=Length(1, MAX_LIMIT),
        metadata={"description": f"The notifications to mark read (1 to {MAX_LIMIT})."},
    )
    all = StrictBoolean(metadata={"description": "`true`: mark every notification read."})

    @validates_schema
    def one_of(self, data: dict[str, Any], **_: Any) -> None:
        """Ask for exactly one of ``ids`` and ``all: true``."""
        by_ids = "ids" in data and "all" not in data
        every = data.get("all") is True and "ids" not in data
        if not (by_ids or every):
            raise ValidationError("send either ids or all: true", field_name="ids")


class UnreadOut(OutputSchema):
    unread_count = Integer(required=True, data_key="unreadCount")


_PREFERENCES = Dict(
    keys=String(validate=OneOf(KINDS)),
    values=String(validate=OneOf(CHANNELS)),
    metadata={
        "description": "Kind → channel: `site`, `email` (at once), `digest` (daily) or `off`. "
        f"Kinds: {', '.join(KINDS)}."
    },
)


class PreferencesIn(InputSchema):
    preferences = Dict(
        keys=String(validate=OneOf(KINDS)),
        values=String(validate=OneOf(CHANNELS)),
        required=True,
        metadata=_PREFERENCES.metadata,
    )


class PreferencesOut(OutputSchema):
    preferences = Dict(
        keys=String(), values=String(), required=True, metadata=_PREFERENCES.metadata
    )
