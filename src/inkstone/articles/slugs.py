"""URL slugs: readable, unique, working for any script (CJK titles are transliterated)."""

from __future__ import annotations

import re
import secrets
import string

from slugify import slugify
from sqlalchemy import select

from inkstone.articles.models import Article
from inkstone.extensions import db

BASE_MAX = 80
RESERVED = frozenset({"feed"})  # /articles/feed is a route
_ALPHABET = string.ascii_lowercase + string.digits
_SUFFIX_LEN = 6
_SUFFIX = f"(-[a-z0-9]{{{_SUFFIX_LEN}}})?"


def base_slug(title: str) -> str:
    """Return the readable part of a slug for ``title``."""
    slug = slugify(title, max_length=BASE_MAX, word_boundary=True, save_order=True)
    if not slug:  # titles made only of symbols or emoji
        slug = slugify(title, max_length=BASE_MAX, allow_unicode=True) or "article"
    return slug


def unique_slug(title: str, *, current: str | None = None) -> str:
    """Return an unused slug for ``title``; keep ``current`` if it already fits the title."""
    base = base_slug(title)
    if current and re.fullmatch(re.escape(base) + _SUFFIX, current):
        return current
    candidate = base
    while (
        candidate in RESERVED
        or db.session.scalar(select(Article.id).where(Article.slug == candidate)) is not None
    ):
        candidate = f"{base}-{''.join(secrets.choice(_ALPHABET) for _ in range(_SUFFIX_LEN))}"
    return candidate
