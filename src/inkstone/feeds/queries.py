"""Reads for syndication: the Atom/RSS feeds and the sitemap, as plain rows in one query each.

They share the list pages' statements (``queries.page_statement``) and plan choice, adding
the stored HTML, so a feed costs what a page of the site costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Select, and_, bindparam, case, null, select, true

from inkstone.articles import markdown
from inkstone.articles.models import Article, Tag
from inkstone.articles.queries import ArticleRow, body_html_of, page_statement, should_walk
from inkstone.articles.tags import tag_key
from inkstone.auth.models import User, UserStatus
from inkstone.auth.usernames import canonical
from inkstone.core.db import reads
from inkstone.core.errors import NotFound
from inkstone.core.pagination import PageRequest


class FeedSubject(NamedTuple):
    """A tag or an author a feed is about."""

    id: int
    name: str
    created_at: datetime
    articles_count: int


class FeedEntry(NamedTuple):
    """A published article as feeds show it: its stored HTML and its author's name."""

    id: int
    slug: str
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    username: str
    tag_list: list[str]
    body_html: str


# A tag only drafts use is not public: it has no feed.
_TAG_SUBJECT = select(Tag.id, Tag.name, Tag.created_at, Tag.articles_count).where(
    Tag.key == bindparam("key"), Tag.articles_count > 0
)
_AUTHOR_SUBJECT = select(User.id, User.username, User.created_at, User.articles_count).where(
    User.username_key == bindparam("key"),
    User.status != UserStatus.DELETED.value,  # a deleted account has no profile, nor its feed
)


def tag_subject(*, name: str) -> FeedSubject:
    """Return the tag called ``name`` if a published article has it, or raise ``NotFound``."""
    row = reads.execute(_TAG_SUBJECT, {"key": tag_key(name)}).first()
    if row is None:
        raise NotFound("tag not found", field="tag")
    return FeedSubject(*row)


def author_subject(*, username: str) -> FeedSubject:
    """Return the user called ``username`` (any case), or raise ``NotFound``."""
    row = reads.execute(_AUTHOR_SUBJECT, {"key": canonical(username)}).first()
    if row is None:
        raise NotFound("profile not found", field="username")
    return FeedSubject(*row)


@cache
def _feed_statement(*, tag: bool, author: bool, walk: bool) -> Select[*tuple[Any, ...]]:
    """Build (once per shape) a page query that also reads the stored HTML.

    The Markdown source comes back only where the stored HTML is missing or was written by
    another renderer: a feed of fresh articles never reads their bodies.
    """
    fresh = and_(
        Article.body_html.is_not(None),
        Article.body_html_version == bindparam("render_version"),
    )
    return page_statement(tag=tag, author=author, walk=walk).add_columns(
        case((fresh, null()), else_=Article.body),
        Article.published,
        Article.body_html,
        Article.body_html_version,
    )


def feed_entries(
    *, limit: int = 20, tag: FeedSubject | None = None, author: FeedSubject | None = None
) -> list[FeedEntry]:
    """Return the newest ``limit`` published articles, of a tag or an author, in one query.

    Their HTML is the stored rendering, made again only for rows an older renderer stored.
    """
    page = PageRequest(limit=limit)
    params = {"render_version": markdown.RENDER_VERSION, "limit": limit, "offset": 0}
    walk = False
    if tag is not None:
        params["tag_id"] = tag.id
        walk = author is None and should_walk(matching=tag.articles_count, page=page)
    if author is not None:
        params["author_id"] = author.id
    statement = _feed_statement(tag=tag is not None, author=author is not None, walk=walk)
    rows = [ArticleRow(*row) for row in reads.execute(statement, params)]
    return [
        FeedEntry(
            id=r.id,
            slug=r.slug,
            title=r.title,
            description=r.description,
            created_at=r.created_at,
            updated_at=r.updated_at,
            username=r.username,
            tag_list=orjson.loads(r.tag_names),
            body_html=body_html_of(r) or "",
        )
        for r in rows
    ]


_SITEMAP_ARTICLES = (
    select(Article.slug, Article.updated_at)
    .where(Article.published == true())
    .order_by(Article.created_at.desc(), Article.id.desc())
    .limit(bindparam("limit"))
)
_SITEMAP_AUTHORS = (
    select(User.username)
    .where(User.articles_count > 0, User.status != UserStatus.DELETED.value)
    .order_by(User.articles_count.desc(), User.id)
    .limit(bindparam("limit"))
)


def sitemap_articles(*, limit: int) -> Iterator[tuple[str, datetime]]:
    """Return ``(slug, updated_at)`` of the newest ``limit`` published articles, as read."""
    result = reads.execute(_SITEMAP_ARTICLES, {"limit": limit})
    return ((slug, updated_at) for slug, updated_at in result)


def authors_with_articles(*, limit: int) -> list[str]:
    """Return the usernames of authors of published articles, most prolific first."""
    return reads.scalars(_SITEMAP_AUTHORS, {"limit": limit})
