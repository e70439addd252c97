"""The embedded backend: SQLite FTS5 over the segmenter's terms, ranked by bm25.

``search_articles(title, description, body, tags, author, chars)`` and
``search_people(username, bio)`` are FTS5 tables (``unicode61``) whose rowid is the
article's or person's id; each column holds its field's terms joined by spaces (the
segmenter has already cut, folded and stemmed them, so the tokenizer only splits on the
spaces), and ``chars`` every Han character. bm25 weighs a title match above tags, tags above
the author's name and description, those above the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnClause, ColumnElement

from inkstone.articles.models import article_tags
from inkstone.search.backends.base import (
    Candidate,
    Filters,
    IndexWriting,
    Status,
    delete_documents,
    filter_tokens,
    gather,
    rank_people,
)
from inkstone.search.documents import FOUND_STATUSES, Document
from inkstone.search.models import SearchState, touch
from inkstone.search.query import Query, to_fts5

# bm25 weights, in column order: title, description, body, tags, author, chars, filters.
# FTS5's bm25 multiplies a column's hits by its weight before saturating term frequency (k1
# is fixed at 1.2), so large weights saturate at once: a title hit weighted 10 was already
# ~90 % of the maximum and hits elsewhere barely counted (the relevance set measured MRR 0.88
# with ten times these weights, 0.96 with these).
ARTICLE_WEIGHTS = (1.0, 0.4, 0.1, 0.6, 0.3, 0.05, 0.0)
PEOPLE_WEIGHTS = (0.5, 0.1)  # username, bio

_articles = table("search_articles", column("rowid", Integer))
_people = table("search_people", column("rowid", Integer))
_ARTICLES_TABLE: ColumnClause[Any] = literal_column("search_articles")
_tagged = exists().where(
    article_tags.c.article_id == _articles.c.rowid, article_tags.c.tag_id == bindparam("tag_id")
)
_FOUND = "(" + ", ".join(f"'{status}'" for status in FOUND_STATUSES) + ")"
_PEOPLE_TABLE: ColumnClause[Any] = literal_column("search_people")


def _joined(terms: list[str]) -> str:
    return " ".join(terms)


class SqliteBackend(IndexWriting):
    """Search in FTS5 tables next to the data."""

    name = "sqlite-fts5"

    # ------------------------------------------------------------------ writing

    @staticmethod
    def article_rows(documents: Sequence[Document]) -> list[dict[str, Any]]:
        """Return the index rows of these articles (pure work: a rebuild runs it in parallel)."""
        rows = []
        for document in documents:
            terms = document.terms()
            rows.append(
                {
                    "id": document.id,
                    **{name: _joined(terms[name]) for name in terms},
                    "chars": _joined(document.characters()),
                    "filters": _joined(list(document.filters)),
                }
            )
        return rows

    def write_articles(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Write index rows made by :meth:`article_rows`, replacing those of the same ids."""
        if not rows:
            return
        self.drop_articles(connection, [row["id"] for row in rows], touched=False)
        connection.execute(
            text(
                "INSERT INTO search_articles"
                " (rowid, title, description, body, tags, author, chars, filters) VALUES"
                " (:id, :title, :description, :body, :tags, :author, :chars, :filters)"
            ),
            list(rows),
        )
        touch(connection, "articles")

    def drop_articles(
        self, connection: Connection, ids: Sequence[int], *, touched: bool = True
    ) -> None:
        """Take these articles out of the index."""
        delete_documents(connection, _articles.c.rowid, ids, part="articles" if touched else None)

    def put_people(self, connection: Connection, documents: Sequence[Document]) -> None:
        """Index (or index again) these people."""
        if not documents:
            return
        self.drop_people(connection, [d.id for d in documents], touched=False)
        rows = []
        for document in documents:
            terms = document.terms()
            # People have no column of their own for characters: a person's Han characters
            # follow the bio's words, so a one-character query finds 读书 in a bio too.
            bio = terms["bio"] + document.characters()
            rows.append(
                {"id": document.id, "username": _joined(terms["username"]), "bio": _joined(bio)}
            )
        connection.execute(
            text("INSERT INTO search_people (rowid, username, bio) VALUES (:id, :username, :bio)"),
            rows,
        )
        touch(connection, "people")

    def drop_people(
        self, connection: Connection, ids: Sequence[int], *, touched: bool = True
    ) -> None:
        """Take these people out of the index."""
        delete_documents(connection, _people.c.rowid, ids, part="people" if touched else None)

    def clear(self, connection: Connection) -> None:
        """Empty the index."""
        connection.execute(text("DELETE FROM search_articles"))
        connection.execute(text("DELETE FROM search_people"))

    def prune(self, connection: Connection) -> None:
        """Take out the documents of articles and people no longer public."""
        connection.execute(
            text(
                "DELETE FROM search_articles WHERE rowid NOT IN"
                " (SELECT id FROM articles WHERE published)"
            )
        )
        connection.execute(
            text(
                "DELETE FROM search_people WHERE rowid NOT IN"
                f" (SELECT id FROM users WHERE status IN {_FOUND})"
            )
        )

    # ------------------------------------------------------------------ reading

    def articles(
        self, connection: Connection, query: Query, filters: Filters
    ) -> tuple[list[Candidate], int]:
        """Return the newest matching published articles (at most CANDIDATES) and the total.

        bm25 counts the documents of every term of the match over the whole index, a tag's
        token too (14 ms for the commonest tag at 1,000,000 articles, though its weight is
        0): the candidates test the tag on ``article_tags``, the count uses the token.
        """
        match = _ARTICLES_TABLE.op("MATCH")
        condition: ColumnElement[bool] = match(bindparam("match"))
        params: dict[str, Any] = {"match": _articles_match(query, replace(filters, tag_id=None))}
        if filters.tag_id is not None:
            params["tag_id"] = filters.tag_id
            condition = and_(condition, _tagged)
        return gather(
            connection,
            source=_articles,
            condition=condition,
            key=_articles.c.rowid,
            relevance=-func.bm25(_ARTICLES_TABLE, *ARTICLE_WEIGHTS),
            filters=filters,
            params={**params, "counted": _articles_match(query, filters)},
            counted=match(bindparam("counted")),
        )

    def people(
        self, connection: Connection, query: Query, *, limit: int, offset: int
    ) -> tuple[list[int], int]:
        """Return one page of matching findable people, best first, and the total."""
        return rank_people(
            connection,
            source=_people,
            condition=_PEOPLE_TABLE.op("MATCH")(bindparam("match")),
            key=_people.c.rowid,
            relevance=-func.bm25(_PEOPLE_TABLE, *PEOPLE_WEIGHTS),
            params={"match": _people_match(query)},
            limit=limit,
            offset=offset,
        )

    def status(self, connection: Connection, *, size: bool = True) -> Status:
        """Return what the index holds (and its size on disk, with ``size``).

        Documents are counted in FTS5's one-row-per-document ``_docsize`` tables (62 ms at
        1,000,000 articles; the table itself is read through its content: 8.7 s). The size
        walks every page of the index's shadow tables (seconds at that scale): the command
        line asks for it, the back office does not.
        """
        articles = connection.execute(text("SELECT count(*) FROM search_articles_docsize"))
        people = connection.execute(text("SELECT count(*) FROM search_people_docsize"))
        counts = int(articles.scalar() or 0), int(people.scalar() or 0)
        bytes_ = None
        if size:
            bytes_ = 0
            for table in _SHADOW_TABLES:
                found = connection.execute(
                    text("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = :table"),
                    {"table": table},
                )
                bytes_ += int(found.scalar() or 0)
        updated = connection.execute(select(func.max(SearchState.updated_at))).scalar()
        return Status(self.name, *counts, bytes_, updated)


_SHADOW_TABLES = tuple(
    f"{index}_{part}"
    for index in ("search_articles", "search_people")
    for part in ("data", "idx", "content", "docsize", "config")
)


def _articles_match(query: Query, filters: Filters) -> str:
    # Words and phrases are matched among the fields' words, a lone Han character among
    # every character, the filters' tokens in their own column.
    expression = to_fts5(
        query, words="{title description body tags author} : ", characters="chars : "
    )
    for token in filter_tokens(filters):
        expression = f'({expression}) AND (filters : "{token}")'
    return expression


def _people_match(query: Query) -> str:
    # People have no "chars" column: a one-character Han query matches usernames and bios
    # holding it as a word.
    return to_fts5(query)
