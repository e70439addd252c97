"""What every search backend offers, and what they share.

Embedded (SQLite): an FTS5 table holding each document's terms (``sqlite.py``). Scaled
(PostgreSQL): a ``tsvector`` built from the same terms with a GIN index (``postgres.py``).
Both take the documents of ``search.documents`` and the parsed queries of ``search.query``,
and both join what they find to the articles (or people) themselves, so a draft, a hidden
article or a suspended person is never found, even by an index that has not caught up yet.

A search server (Meilisearch, OpenSearch…) would be a third class with these methods; the
services pick the backend through :func:`backend` and name none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    func,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnClause, TableClause

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.search.documents import FOUND_STATUSES, Document, filter_token
from inkstone.search.models import touch
from inkstone.search.query import Query

# Relevance is worked out over the newest CANDIDATES matches: all of them for all but the
# commonest words, whose half a million matches no reader pages through (Google shows about
# 1,000). Each candidate's bm25 costs 15-25 us at 1,000,000 articles: 500 keep a search of
# the commonest word near 35 ms; pages reach them all (50 pages of 10).
CANDIDATES = 500
# Matches are counted exactly up to COUNTED; beyond, a count answers COUNTED + 1 ("more than
# 1,000", as Elasticsearch stops at 10,000 by default): counting every match of a common word
# or phrase at 1,000,000 articles (480,000 matches; a phrase's positions checked in 73,000
# articles) cost more than finding and ranking the page, and pages reach 500 of them anyway.
COUNTED = 1_000


@dataclass(frozen=True)
class Filters:
    """Which matching articles count: by tag, author and creation date (``until`` excluded)."""

    tag_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    """A matching article: its id, its relevance (higher is better) and when it was written."""

    id: int
    relevance: float
    created_at: datetime


@dataclass(frozen=True)
class Status:
    """What the index holds: documents of each kind, bytes on disk, last write."""

    backend: str
    articles: int
    people: int
    size_bytes: int | None  # None: not measured (it can take seconds)
    updated_at: datetime | None


class Backend(Protocol):
    """What a search backend does; every method runs on the caller's connection."""

    name: str

    def put_articles(self, connection: Connection, documents: Sequence[Document]) -> None:
        """Index (or index again) these articles."""

    def article_rows(self, documents: Sequence[Document]) -> list[dict[str, Any]]:
        """Return the index rows of these articles: pure work, no database (run in parallel)."""

    def write_articles(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Write rows made by :meth:`article_rows`, replacing those of the same ids."""

    def drop_articles(self, connection: Connection, ids: Sequence[int]) -> None:
        """Take these articles out of the index."""

    def put_people(self, connection: Connection, documents: Sequence[Document]) -> None:
        """Index (or index again) these people."""

    def drop_people(self, connection: Connection, ids: Sequence[int]) -> None:
        """Take these people out of the index."""

    def clear(self, connection: Connection) -> None:
        """Empty the index (a reindex fills it again)."""

    def prune(self, connection: Connection) -> None:
        """Take out the documents of articles and people no longer public."""

    def articles(
        self, connection: Connection, query: Query, filters: Filters
    ) -> tuple[list[Candidate], int]:
        """Return the matching published articles and how many there are in all.

        The candidates are all of them, or the newest :data:`CANDIDATES` when there are more;
        the total stops at ``COUNTED + 1`` (more than :data:`COUNTED`).
        """

    def people(
        self, connection: Connection, query: Query, *, limit: int, offset: int
    ) -> tuple[list[int], int]:
        """Return one page of matching findable people, best first, and how many match."""

    def status(self, connection: Connection, *, size: bool = True) -> Status:
        """Return what the index holds (its size on disk only with ``size``)."""


def filter_tokens(filters: Filters) -> list[str]:
    """Return the index tokens a match must also hold for these tag and author filters."""
    tokens = []
    if filters.tag_id is not None:
        tokens.append(filter_token("tag", filters.tag_id))
    if filters.author_id is not None:
        tokens.append(filter_token("author", filters.author_id))
    return tokens


def gather(
    connection: Connection,
    *,
    source: FromClause,
    condition: ColumnElement[bool],
    key: ColumnElement[int],
    relevance: ColumnElement[float],
    filters: Filters,
    params: dict[str, Any],
    counted: ColumnElement[bool] | None = None,
) -> tuple[list[Candidate], int]:
    """Run a backend's match as :meth:`Backend.articles` describes.

    ``counted``: the match to count with, when cheaper to count than ``condition``.

    ``source`` is the backend's index, ``condition`` its match (tag and author filters
    included as tokens), ``key`` the article id it holds (newest first), ``relevance`` its
    score (higher is better). The index holds published articles only, so the candidates
    and the count come from it alone; only a date range needs the articles joined. The
    candidates are then checked against the articles (published, and when written), so
    an index behind its data can never show what is not public. The total is counted
    only when there are more matches than candidates, and only up to ``COUNTED + 1``.
    """
    params = {**params, "cap": CANDIDATES}
    dated = filters.since is not None or filters.until is not None

    def statement(*columns: Any, where: ColumnElement[bool] = condition) -> Select[Any]:
        found = select(*columns).select_from(source).where(where)
        if dated:
            found = found.join(Article, Article.id == key).where(*_dates(filters, params))
        return found

    rows = connection.execute(
        statement(key, relevance).order_by(key.desc()).limit(bindparam("cap")), params
    ).all()
    ids = {"ids": [row[0] for row in rows]}
    written = {row[0]: row[1] for row in connection.execute(_PUBLISHED_DATES, ids)}
    found = [Candidate(row[0], float(row[1]), written[row[0]]) for row in rows if row[0] in written]
    if len(rows) < CANDIDATES:
        return found, len(found)
    where = condition if counted is None else counted
    return found, count_up_to(connection, statement(key, where=where), params)


def rank_people(
    connection: Connection,
    *,
    source: FromClause,
    condition: ColumnElement[bool],
    key: ColumnElement[int],
    relevance: ColumnElement[float],
    params: dict[str, Any],
    limit: int,
    offset: int,
) -> tuple[list[int], int]:
    """Run a backend's people match as :meth:`Backend.people` describes.

    As for articles: the newest ``CANDIDATES`` matches (all, unless the words are very
    common) are ranked, checked against the people themselves (findable only) and paged;
    the count comes from the index (it holds findable people only) up to ``COUNTED + 1``.
    """
    params = {**params, "cap": CANDIDATES}
    matching = select(key).select_from(source).where(condition)
    rows = connection.execute(
        matching.add_columns(relevance).order_by(key.desc()).limit(bindparam("cap")), params
    ).all()
    findable = set(connection.execute(_FINDABLE, {"ids": [row[0] for row in rows]}).scalars())
    ranked = sorted((row for row in rows if row[0] in findable), key=lambda r: (-r[1], r[0]))
    ids = [int(row[0]) for row in ranked[offset : offset + limit]]
    if len(rows) < CANDIDATES:
        return ids, len(ranked)
    return ids, count_up_to(connection, matching, params)


_FINDABLE = select(User.id).where(
    User.id.in_(bindparam("ids", expanding=True)), User.status.in_(FOUND_STATUSES)
)


def count_up_to(connection: Connection, statement: Select[Any], params: dict[str, Any]) -> int:
    """Return how many rows ``statement`` gives, or ``COUNTED + 1`` when more than COUNTED."""
    counted = select(func.count()).select_from(statement.limit(COUNTED + 1).subquery())
    return int(connection.execute(counted, params).scalar() or 0)


_PUBLISHED_DATES = select(Article.id, Article.created_at).where(
    Article.id.in_(bindparam("ids", expanding=True)), Article.published == true()
)


def _dates(filters: Filters, params: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.since is not None:
        params["since"] = filters.since
        conditions.append(Article.created_at >= _at("since"))
    if filters.until is not None:
        params["until"] = filters.until
        conditions.append(Article.created_at < _at("until"))
    return conditions


def _at(name: str) -> Any:
    return bindparam(name, type_=Article.created_at.type)


class IndexWriting:
    """What every backend does the same way: indexing articles is rows made, then written."""

    def article_rows(self, documents: Sequence[Document]) -> list[dict[str, Any]]:
        """Return the index rows of these articles (each backend makes its own)."""
        raise NotImplementedError

    def write_articles(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Write rows made by :meth:`article_rows` (each backend writes its own)."""
        raise NotImplementedError

    def put_articles(self, connection: Connection, documents: Sequence[Document]) -> None:
        """Index (or index again) these articles."""
        self.write_articles(connection, self.article_rows(documents))


def delete_documents(
    connection: Connection, key: ColumnClause[int], ids: Sequence[int], *, part: str | None
) -> None:
    """Delete the index rows of these ids (``key``: the index's id column); record the
    write of ``part`` of the index when given."""
    if ids:
        wanted: BindParameter[list[int]] = bindparam("ids", expanding=True)
        index = key.table
        assert isinstance(index, TableClause)
        connection.execute(index.delete().where(key.in_(wanted)), {"ids": list(ids)})
        if part is not None:
            touch(connection, part)
