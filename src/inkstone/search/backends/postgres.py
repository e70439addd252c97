"""The scaled backend: PostgreSQL ``tsvector`` over the segmenter's terms, under GIN.

PostgreSQL's own parser is never asked to cut text (``to_tsvector`` keeps a whole Chinese run
as one lexeme, and what it calls a word depends on the database's locale): each document's
``tsvector`` is written as a literal from the segmenter's terms, with their positions (so
phrases match as in FTS5) and weights — A for the title, B for tags and the author's name,
C for the description, D for the body and for the Han characters a one-character query
finds. Queries are ``tsquery`` literals built the same way (``search.query.to_tsquery``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, bindparam, cast, column, func, select, table, text
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.engine import Connection

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
from inkstone.search.query import Query, to_rank_tsquery, to_tsquery

ARTICLE_WEIGHTS = (("title", "A"), ("tags", "B"), ("author", "B"), ("description", "C"))
RANK_WEIGHTS = "{0.1, 0.3, 0.6, 1.0}"  # D, C, B, A
POSITION_MAX = 16_383  # PostgreSQL keeps positions up to this
POSITIONS_PER_LEXEME = 255  # and at most this many per lexeme

_articles = table("search_articles", column("article_id", Integer), column("document", TSVECTOR))
_people = table("search_people", column("user_id", Integer), column("document", TSVECTOR))
_QUERY = cast(bindparam("query"), TSQUERY)
_RANKED = cast(bindparam("ranked"), TSQUERY)  # see ``query.to_rank_tsquery``
_FOUND = "(" + ", ".join(f"'{status}'" for status in FOUND_STATUSES) + ")"


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(fields: Iterable[tuple[Sequence[str], str]]) -> str:
    """Return the ``tsvector`` literal of ``(terms, weight)`` fields, positions in order.

    A position is left empty between fields, so a phrase never runs from one into the next.
    """
    positions: dict[str, list[str]] = {}
    position = 1
    for terms, weight in fields:
        for term in terms:
            entries = positions.setdefault(term, [])
            if len(entries) < POSITIONS_PER_LEXEME:
                entries.append(f"{min(position, POSITION_MAX)}{weight}")
            position += 1
        position += 1
    return " ".join(f"{_lexeme(term)}:{','.join(at)}" for term, at in positions.items())


def article_vector(document: Document) -> str:
    """Return the ``tsvector`` literal of an article's document."""
    terms = document.terms()
    fields: list[tuple[Sequence[str], str]] = [(terms[n], w) for n, w in ARTICLE_WEIGHTS]
    fields += [(terms["body"], "D"), (document.characters(), "D"), (document.filters, "D")]
    return tsvector(fields)


def person_vector(document: Document) -> str:
    """Return the ``tsvector`` literal of a person's document."""
    terms = document.terms()
    return tsvector([(terms["username"], "A"), (terms["bio"], "D"), (document.characters(), "D")])


_PUT_ARTICLE = text(
    "INSERT INTO search_articles (article_id, document)"
    " SELECT :id, CAST(:document AS tsvector) WHERE EXISTS (SELECT 1 FROM articles WHERE id = :id)"
    " ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document"
)
_PUT_PERSON = text(
    "INSERT INTO search_people (user_id, document)"
    " SELECT :id, CAST(:document AS tsvector) WHERE EXISTS (SELECT 1 FROM users WHERE id = :id)"
    " ON CONFLICT (user_id) DO UPDATE SET document = EXCLUDED.document"
)


class PostgresBackend(IndexWriting):
    """Search in ``tsvector`` tables next to the data."""

    name = "postgresql-tsvector"

    @staticmethod
    def article_rows(documents: Sequence[Document]) -> list[dict[str, Any]]:
        """Return the index rows of these articles (pure work: a rebuild runs it in parallel)."""
        return [{"id": d.id, "document": article_vector(d)} for d in documents]

    def write_articles(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Write index rows made by :meth:`article_rows`, replacing those of the same ids."""
        if rows:
            connection.execute(_PUT_ARTICLE, list(rows))
            touch(connection, "articles")

    def drop_articles(self, connection: Connection, ids: Sequence[int]) -> None:
        """Take these articles out of the index."""
        delete_documents(connection, _articles.c.article_id, ids, part="articles")

    def put_people(self, connection: Connection, documents: Sequence[Document]) -> None:
        """Index (or index again) these people."""
        if documents:
            rows = [{"id": d.id, "document": person_vector(d)} for d in documents]
            connection.execute(_PUT_PERSON, rows)
            touch(connection, "people")

    def drop_people(self, connection: Connection, ids: Sequence[int]) -> None:
        """Take these people out of the index."""
        delete_documents(connection, _people.c.user_id, ids, part="people")

    def clear(self, connection: Connection) -> None:
        """Empty the index."""
        connection.execute(_articles.delete())
        connection.execute(_people.delete())

    def prune(self, connection: Connection) -> None:
        """Take out the documents of articles and people no longer public."""
        connection.execute(
            text(
                "DELETE FROM search_articles s USING articles a"
                " WHERE a.id = s.article_id AND NOT a.published"
            )
        )
        connection.execute(
            text(
                "DELETE FROM search_people s USING users u"
                f" WHERE u.id = s.user_id AND u.status NOT IN {_FOUND}"
            )
        )

    def articles(
        self, connection: Connection, query: Query, filters: Filters
    ) -> tuple[list[Candidate], int]:
        """Return the newest matching published articles (at most CANDIDATES) and the total."""
        tokens = "".join(f" & '{token}'" for token in filter_tokens(filters))
        return gather(
            connection,
            source=_articles,
            condition=_articles.c.document.op("@@")(_QUERY),
            key=_articles.c.article_id,
            relevance=func.ts_rank(text(f"'{RANK_WEIGHTS}'"), _articles.c.document, _RANKED, 1),
            filters=filters,
            params={"query": f"({to_tsquery(query)}){tokens}", "ranked": to_rank_tsquery(query)},
        )

    def people(
        self, connection: Connection, query: Query, *, limit: int, offset: int
    ) -> tuple[list[int], int]:
        """Return one page of matching findable people, best first, and the total."""
        return rank_people(
            connection,
            source=_people,
            condition=_people.c.document.op("@@")(_QUERY),
            key=_people.c.user_id,
            relevance=func.ts_rank(_people.c.document, _RANKED),
            params={"query": to_tsquery(query), "ranked": to_rank_tsquery(query)},
            limit=limit,
            offset=offset,
        )

    def status(self, connection: Connection, *, size: bool = True) -> Status:
        """Return what the index holds and its size on disk (tables, TOAST and indexes)."""
        articles = connection.execute(select(func.count()).select_from(_articles)).scalar()
        people = connection.execute(select(func.count()).select_from(_people)).scalar()
        measured = connection.execute(
            text(
                "SELECT pg_total_relation_size('search_articles')"
                " + pg_total_relation_size('search_people')"
            )
        ).scalar()  # cheap here: PostgreSQL knows each relation's size
        updated = connection.execute(select(func.max(SearchState.updated_at))).scalar()
        counts = int(articles or 0), int(people or 0)
        return Status(self.name, *counts, int(measured or 0) if size else None, updated)
