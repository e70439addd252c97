"""Searching articles and people, as the search page and the API ask.

Relevance is the backend's score (bm25 in SQLite, ``ts_rank`` in PostgreSQL; title and tags
weigh more than the body) times a small recency prior: an article written today scores up to
``RECENCY_WEIGHT`` more than an old one, halving every ``RECENCY_HALF_LIFE_DAYS``, so a
fresh article wins a near tie and never beats a clearly better match. ``sort="date"``
orders the same matches newest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from markupsafe import Markup
from sqlalchemy import bindparam, select

from inkstone.articles.models import Article, Tag
from inkstone.articles.queries import PAGE_COLUMNS, ArticleRow, ArticleView, present
from inkstone.articles.tags import tag_key
from inkstone.auth.models import User
from inkstone.auth.usernames import canonical
from inkstone.core.db import reads, utcnow
from inkstone.core.errors import Invalid
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.profiles.services import ProfileView, following_ids
from inkstone.search.backends import COUNTED, Candidate, Filters, backend
from inkstone.search.documents import plain_text
from inkstone.search.query import QUERY_MAX, Query, parse
from inkstone.search.snippets import Matcher, highlight, snippet

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
RECENCY_WEIGHT = 0.2
RECENCY_HALF_LIFE_DAYS = 180


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One found article: as the viewer sees it, its title and a snippet with matches marked."""

    article: ArticleView
    title: Markup
    snippet: Markup


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of found articles and how many were found in all.

    ``exact`` is false when more than ``COUNTED`` matched: ``total`` is then ``COUNTED``.
    """

    query: Query
    hits: list[SearchHit]
    total: int
    exact: bool = True


@dataclass(frozen=True, slots=True)
class PeoplePage:
    """One page of found people and how many were found in all (``exact``: as above)."""

    people: list[ProfileView]
    total: int
    exact: bool = True


def _counted(total: int) -> tuple[int, bool]:
    """Return a backend's count as (total, exact): more than COUNTED is COUNTED, inexact."""
    return min(total, COUNTED), total <= COUNTED


def checked_text(text: str | None) -> str:
    """Return what was typed, trimmed; raise ``Invalid`` when it is too long to be a query."""
    text = (text or "").strip()
    if len(text) > QUERY_MAX:
        raise Invalid(f"is too long (at most {QUERY_MAX} characters)", field="q")
    return text


def day_start(day: date | None, *, after: bool = False) -> datetime | None:
    """Return the start of ``day`` (UTC), or of the day after it with ``after``."""
    if day is None:
        return None
    if after:
        if day == date.max:
            return None
        day += timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=UTC)


def _score(candidate: Candidate, now: datetime) -> float:
    age_days = max((now - candidate.created_at).total_seconds(), 0) / 86_400
    prior = 1 + RECENCY_WEIGHT * math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)
    return candidate.relevance * prior


def _ordered(candidates: list[Candidate], sort: Sort) -> list[Candidate]:
    if sort == "date":
        return sorted(candidates, key=lambda c: (c.created_at, c.id), reverse=True)
    now = utcnow()
    return sorted(candidates, key=lambda c: (_score(c, now), c.created_at, c.id), reverse=True)


def _filters(
    *, tag: str | None, author: str | None, since: datetime | None, until: datetime | None
) -> Filters | None:
    """Return the filters by id, or ``None`` when a tag or author names nothing."""
    tag_id = author_id = None
    if tag:
        tag_id = db.session.scalar(select(Tag.id).where(Tag.key == tag_key(tag)))
        if tag_id is None:
            return None
    if author:
        author_id = db.session.scalar(select(User.id).where(User.username_key == canonical(author)))
        if author_id is None:
            return None
    return Filters(tag_id=tag_id, author_id=author_id, since=since, until=until)


_ROWS = (
    select(*PAGE_COLUMNS, Article.body)
    .join(User, User.id == Article.author_id)
    .where(Article.id.in_(bindparam("ids", expanding=True)))
)


def _hits(ids: list[int], query: Query, viewer: User | None) -> list[SearchHit]:
    found = {row.id: row for row in reads.execute(_ROWS, {"ids": ids})}
    rows = [found[i] for i in ids if i in found]
    views = present([ArticleRow(*row[: len(PAGE_COLUMNS)]) for row in rows], viewer=viewer)
    matcher = Matcher(query)
    return [
        SearchHit(
            article=view,
            title=highlight(view.title, matcher),
            snippet=snippet(_readable(row.description, row.body), matcher),
        )
        for view, row in zip(views, rows, strict=True)
    ]


def _readable(description: str, body: str) -> str:
    return f"{description}\n{plain_text(body)}" if description else plain_text(body)


def search_articles(
    *,
    viewer: User | None,
    text: str,
    page: PageRequest,
    tag: str | None = None,
    author: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: Sort = "relevance",
) -> SearchPage:
    """Return one page of published articles matching ``text``, as ``viewer`` sees them."""
    query = parse(checked_text(text))
    filters = _filters(tag=tag, author=author, since=since, until=until)
    if query.empty or filters is None:
        return SearchPage(query=query, hits=[], total=0)
    connection = db.session.connection()
    candidates, found = backend(connection).articles(connection, query, filters)
    ordered = _ordered(candidates, sort)[page.offset : page.offset + page.limit]
    total, exact = _counted(found)
    hits = _hits([c.id for c in ordered], query, viewer)
    return SearchPage(query=query, hits=hits, total=total, exact=exact)


_PEOPLE = select(User).where(User.id.in_(bindparam("ids", expanding=True)))


def search_people(*, viewer: User | None, text: str, page: PageRequest) -> PeoplePage:
    """Return one page of people (neither suspended nor deleted) matching ``text``."""
    query = parse(checked_text(text))
    if query.empty:
        return PeoplePage(people=[], total=0)
    connection = db.session.connection()
    ids, found = backend(connection).people(connection, query, limit=page.limit, offset=page.offset)
    users = {u.id: u for u in db.session.scalars(_PEOPLE, {"ids": ids})}
    following = following_ids(viewer=viewer, among=users)
    people = [ProfileView.of(users[i], following=i in following) for i in ids if i in users]
    total, exact = _counted(found)
    return PeoplePage(people=people, total=total, exact=exact)
