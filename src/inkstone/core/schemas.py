"""Schema building blocks shared by every API: input base, timestamps, errors, paging."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from apiflask import Schema
from apiflask.fields import Dict, Integer, List, String
from apiflask.validators import Range
from marshmallow import EXCLUDE, ValidationError, fields, pre_load

from inkstone.core.fastdump import CompiledDumpMixin
from inkstone.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

NUL_MESSAGE = "must not contain NUL characters"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(isinstance(item, str) and "\x00" in item for item in value)
    return False


class InputSchema(Schema):
    """Request bodies ignore unknown keys, as RealWorld clients send extras."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def reject_nul(self, data: Any, **kwargs: Any) -> Any:
        """Refuse NUL characters in known fields: PostgreSQL text cannot hold them."""
        if isinstance(data, Mapping):
            known = {field.data_key or name for name, field in self.load_fields.items()}
            errors = {key: [NUL_MESSAGE] for key in known if key in data and _has_nul(data[key])}
            if errors:
                raise ValidationError(errors)
        return data


def format_timestamp(value: datetime) -> str:
    """Return ISO 8601 UTC with milliseconds and ``Z``."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # "2026-01-02T03:04:05.678+00:00" -> "2026-01-02T03:04:05.678Z"
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


class Timestamp(fields.DateTime):
    """A datetime rendered as ISO 8601 UTC with milliseconds and ``Z``."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_timestamp(value)


class ErrorOut(Schema):
    """``{"errors": {"<field>": ["message", …]}}``."""

    errors = Dict(keys=String(), values=List(String()), required=True)


class PageQuery(InputSchema):
    """``limit`` (1 and up, capped at 100) and ``offset`` (0 and up)."""

    limit = Integer(
        load_default=DEFAULT_LIMIT,
        validate=Range(min=1, max=MAX_OFFSET),
        metadata={
            "description": f"Items per page (default {DEFAULT_LIMIT}, capped at {MAX_LIMIT})."
        },
    )
    offset = Integer(
        load_default=0,
        validate=Range(min=0, max=MAX_OFFSET),
        metadata={"description": "Items to skip."},
    )


class StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false``, nothing else (marshmallow also takes 0, 1, "yes", "on")."""

    default_error_messages = {"invalid": "Not a valid boolean: send true or false."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class TextOrEmpty(fields.String):
    """A string that renders ``None`` as ``""`` (RealWorld clients expect strings)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class OutputSchema(CompiledDumpMixin, Schema):
    """Base of response envelopes: dumped by a compiled function (see ``core.fastdump``)."""
