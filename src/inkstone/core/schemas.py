"""Schema building blocks shared by every API: input base, timestamps, errors, paging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apiflask import Schema
from apiflask.fields import Dict, Integer, List, String
from apiflask.validators import Range
from marshmallow import EXCLUDE, fields

from inkstone.core.fastdump import CompiledDumpMixin
from inkstone.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET


class InputSchema(Schema):
    """Request bodies ignore unknown keys, as RealWorld clients send extras."""

    class Meta:
        unknown = EXCLUDE


def format_timestamp(value: datetime) -> str:
    """Return ISO 8601 UTC with milliseconds and ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


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
        metadata={"description": f"Items per page (default {DEFAULT_LIMIT}, capped at {MAX_LIMIT})."},
    )
    offset = Integer(
        load_default=0,
        validate=Range(min=0, max=MAX_OFFSET),
        metadata={"description": "Items to skip."},
    )


class TextOrEmpty(fields.String):
    """A string that renders ``None`` as ``""`` (RealWorld clients expect strings)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class OutputSchema(CompiledDumpMixin, Schema):
    """Base of response envelopes: dumped by a compiled function (see ``core.fastdump``)."""
