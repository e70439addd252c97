"""Tag normalisation and look-up: trimmed, unique by case-folded key, shown as first written."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from sqlalchemy import bindparam, select

from inkstone.articles.models import Tag
from inkstone.core.db import reads
from inkstone.core.db.writes import insert_ignoring_conflicts
from inkstone.extensions import db


def normalize_tags(names: Iterable[str]) -> list[str]:
    """Trim and collapse spaces, drop empties and case-insensitive duplicates; keep order."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        key = tag_key(name)
        if name and key not in seen:
            seen.add(key)
            out.append(name)
    return out


def encode_names(tags: Iterable[Tag]) -> str:
    """Return the JSON array of tag names an article shows, sorted case-insensitively."""
    return orjson.dumps(sorted((t.name for t in tags), key=str.casefold)).decode()


def tag_key(name: str) -> str:
    """Return the uniqueness key of a tag name."""
    return " ".join(name.split()).casefold()


def get_or_create_tags(names: list[str]) -> list[Tag]:
    """Return Tag rows for normalised ``names``, creating missing ones race-safely."""
    if not names:
        return []
    keys = {tag_key(n): n for n in names}
    existing = {t.key for t in db.session.scalars(select(Tag).where(Tag.key.in_(keys)))}
    missing = [
        {"key": k, "name": n, "articles_count": 0} for k, n in keys.items() if k not in existing
    ]
    if missing:
        insert_ignoring_conflicts(Tag, missing, index_elements=["key"])
    by_key = {t.key: t for t in db.session.scalars(select(Tag).where(Tag.key.in_(keys)))}
    return [by_key[tag_key(n)] for n in names]


_POPULAR_TAGS = (
    select(Tag.name)
    .where(Tag.articles_count > 0)
    # ties: newest tag first, the same on every database; ix_tags_popularity read backwards
    .order_by(Tag.articles_count.desc(), Tag.id.desc())
    .limit(bindparam("limit"))
)


def popular_tags(*, limit: int = 100) -> list[str]:
    """Return the names of the tags in use, most used first."""
    return reads.scalars(_POPULAR_TAGS, {"limit": limit})
