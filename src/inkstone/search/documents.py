"""What the index holds: an article's or a person's searchable text, cut into fields of terms.

An article is found by its title, description, body (Markdown taken down to its words), tags
and author's name; a person by their username and bio. Only what the public sees is indexed:
published articles, people who are neither suspended nor deleted. The same fields, cut by the
same segmenter, go to every backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select, true

from inkstone.articles.models import Article, article_tags
from inkstone.auth.models import User, UserStatus
from inkstone.core.db import reads
from inkstone.search import segment

ARTICLE_FIELDS = ("title", "description", "body", "tags", "author")
PEOPLE_FIELDS = ("username", "bio")
FOUND_STATUSES = (UserStatus.ACTIVE.value, UserStatus.UNVERIFIED.value)

_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}).*$", re.MULTILINE)
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_URL = re.compile(r"<?\bhttps?://[^\s>)]+>?")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_BLOCK_MARK = re.compile(r"^ {0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,9}[.)]\s+)", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE)
_INLINE_MARK = re.compile(r"(?:\*{1,3}|_{2,3}|`+|~~|\|)")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def plain_text(markdown: str) -> str:
    """Return the words of a Markdown body as a reader reads them (no URLs, no markup)."""
    text = _FENCE.sub("", markdown)
    text = _REFERENCE.sub("", text)
    text = _IMAGE_OR_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _TABLE_RULE.sub("", text)
    text = _BLOCK_MARK.sub("", text)
    text = _INLINE_MARK.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip()


@dataclass(frozen=True, slots=True)
class Document:
    """One thing to index: its id, the text of each of its fields, and its filter tokens.

    ``filters``: single tokens the search's filters match (``filter_token("tag", 12)``), so a
    filtered search and its count are answered by the index alone.
    """

    id: int
    fields: dict[str, str]
    filters: tuple[str, ...] = ()

    def terms(self) -> dict[str, list[str]]:
        """Return the terms of each field, in order."""
        return {name: segment.terms(text) for name, text in self.fields.items()}

    def characters(self) -> list[str]:
        """Return every Han character of every field (what a one-character query finds)."""
        return [c for text in self.fields.values() for c in segment.characters(text)]


def filter_token(kind: str, value: int) -> str:
    """Return the index token standing for a filter: ``zzt12`` (tag 12), ``zza5`` (author 5).

    One word of letters and digits, so every tokenizer keeps it whole; no reader types it.
    """
    return f"zz{kind[0]}{value}"


def article_document(row: ArticleSource) -> Document:
    """Return the document of one article row."""
    tokens = [filter_token("author", row.author_id)]
    tokens += [filter_token("tag", tag_id) for tag_id in row.tag_ids]
    return Document(
        row.id,
        {
            "title": row.title,
            "description": row.description,
            "body": plain_text(row.body),
            "tags": " ".join(orjson.loads(row.tag_names)),
            "author": row.username,
        },
        tuple(tokens),
    )


def person_document(row: PersonSource) -> Document:
    """Return the document of one person row."""
    return Document(row.id, {"username": row.username, "bio": row.bio or ""})


class ArticleSource(NamedTuple):
    """The columns an article's document is made of."""

    id: int
    title: str
    description: str
    body: str
    tag_names: str
    username: str
    author_id: int
    tag_ids: tuple[int, ...] = ()


class PersonSource(NamedTuple):
    """The columns a person's document is made of."""

    id: int
    username: str
    bio: str


_ARTICLE_COLUMNS = (
    Article.id,
    Article.title,
    Article.description,
    Article.body,
    Article.tag_names,
    User.username,
    Article.author_id,
)
_PUBLISHED = (
    select(*_ARTICLE_COLUMNS)
    .join(User, User.id == Article.author_id)
    .where(Article.published == true())
)
_PEOPLE = select(User.id, User.username, User.bio).where(User.status.in_(FOUND_STATUSES))
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


_TAG_IDS = select(article_tags.c.article_id, article_tags.c.tag_id).where(
    article_tags.c.article_id.in_(_IDS)
)


def published_article_sources(ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """Return the source rows of those of ``ids`` that are published, as plain tuples.

    The rows are read ``FOR SHARE`` on PostgreSQL: an unpublish waits for the index write
    that read them, so its trigger always removes what was written (SQLite's writer lock
    does the same there).
    """
    if not ids:
        return []
    params = {"ids": list(ids)}
    rows = reads.execute(
        _PUBLISHED.where(Article.id.in_(_IDS)).with_for_update(read=True, of=Article), params
    )
    tags: dict[int, list[int]] = {}
    for article_id, tag_id in reads.execute(_TAG_IDS, params):
        tags.setdefault(article_id, []).append(tag_id)
    return [(*row, tuple(sorted(tags.get(row[0], ())))) for row in rows]


def article_documents(sources: Sequence[tuple[Any, ...]]) -> list[Document]:
    """Return the documents of source rows (pure work: a rebuild runs it in parallel)."""
    return [article_document(ArticleSource(*row)) for row in sources]


def published_articles(ids: Sequence[int]) -> list[Document]:
    """Return the documents of those of ``ids`` that are published (the rest: not found)."""
    return article_documents(published_article_sources(ids))


def findable_people(ids: Sequence[int]) -> list[Document]:
    """Return the documents of those of ``ids`` who may be found (active or unverified)."""
    if not ids:
        return []
    rows = reads.execute(_PEOPLE.where(User.id.in_(_IDS)), {"ids": list(ids)})
    return [person_document(row) for row in rows]  # type: ignore[arg-type]


def _keyset(statement: Select[Any], key: ColumnElement[int], batch: int, after: int) -> list[int]:
    return list(reads.scalars(statement.where(key > after).order_by(key).limit(batch)))


def published_article_ids(*, batch: int, after: int = 0) -> list[int]:
    """Return up to ``batch`` ids of published articles after ``after``, ascending."""
    statement = select(Article.id).where(Article.published == true())
    return _keyset(statement, Article.__table__.c.id, batch, after)


def findable_person_ids(*, batch: int, after: int = 0) -> list[int]:
    """Return up to ``batch`` ids of findable people after ``after``, ascending."""
    statement = select(User.id).where(User.status.in_(FOUND_STATUSES))
    return _keyset(statement, User.__table__.c.id, batch, after)


def iter_id_batches(next_batch: object, *, batch: int) -> Iterator[list[int]]:
    """Yield batches of ids from ``next_batch(batch=…, after=…)`` until it runs dry."""
    after = 0
    while True:
        ids = next_batch(batch=batch, after=after)  # type: ignore[operator]
        if not ids:
            return
        yield ids
        after = ids[-1]
