"""Limit/offset paging shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated window into an ordered list."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @classmethod
    def clamp(cls, *, limit: int | None, offset: int | None) -> PageRequest:
        """Return a page with ``limit`` capped at ``MAX_LIMIT`` and defaults applied."""
        return cls(limit=min(limit or DEFAULT_LIMIT, MAX_LIMIT), offset=offset or 0)

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> PageRequest:
        """Return the page a validated query string asks for (its ``limit`` and ``offset``)."""
        return cls.clamp(limit=query.get("limit"), offset=query.get("offset"))
