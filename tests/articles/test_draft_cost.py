"""Drafts cost public lists nothing: the work of a list is the same with many drafts as without.

Before the published-only indexes, lists walked ``(created_at, id)`` over every article and
skipped drafts one by one: 42,000 drafts of one account made the newest-20 query 500 times
slower and capped the site at 97 req/s. Time is never measured here; the work is: on SQLite
the virtual machine's instruction count (a progress handler), on PostgreSQL the rows the plan
reads from the tables drafts live in, ``articles`` and ``article_tags`` (``EXPLAIN ANALYZE``,
index scans preferred as they are at scale). Joins to other tables are left out of the count:
the planner may pick another join to ``users`` from one statistics sample to the next (a full
suite's autovacuum runs beside the test), which says nothing about drafts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, NamedTuple

import pytest
from sqlalchemy import event, insert, select

from inkstone.articles import queries
from inkstone.articles.models import Article, Tag, article_tags
from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.feeds import queries as feed_queries
from inkstone.profiles.services import follow

DRAFTS = 1500
_slugs = itertools.count()


class Work:
    """What the queries run inside ``measure`` cost: VM steps (SQLite) or rows read (PG)."""

    def __init__(self) -> None:
        self.units = 0


@contextmanager
def measure() -> Iterator[Work]:
    work = Work()
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection

        def step() -> int:
            work.units += 1
            return 0

        raw.set_progress_handler(step, 100)
        try:
            yield work
        finally:
            raw.set_progress_handler(None, 0)
        return
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")

    def explain(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
            (plan,) = cursor.fetchone()  # psycopg decodes the JSON already
            work.units += _rows_read(plan[0]["Plan"])

    event.listen(connection, "before_cursor_execute", explain)
    try:
        yield work
    finally:
        event.remove(connection, "before_cursor_execute", explain)


DRAFT_TABLES = frozenset({"articles", "article_tags"})


def _rows_read(plan: dict[str, Any]) -> int:
    """Return the rows a plan read from the draft tables, kept or thrown away, over all loops."""
    here = 0
    if plan.get("Relation Name") in DRAFT_TABLES:
        loops = plan.get("Actual Loops", 1)
        here = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * loops
    return here + sum(_rows_read(child) for child in plan.get("Plans", []))


def add_drafts(author: User, tag: Tag, count: int) -> None:
    """Add ``count`` tagged drafts by ``author``, newer than anything published, in bulk."""
    newest = utcnow() + timedelta(days=1)
    rows = [
        {
            "slug": f"draft-{next(_slugs)}",
            "title": "A draft",
            "description": "",
            "body": "Not yet.",
            "author_id": author.id,
            "published": False,
            "created_at": newest + timedelta(seconds=i),
            "updated_at": newest + timedelta(seconds=i),
        }
        for i in range(count)
    ]
    db.session.execute(insert(Article), rows)
    ids = db.session.scalars(select(Article.id).where(Article.published.is_(False))).all()
    db.session.execute(
        insert(article_tags),
        [{"article_id": i, "tag_id": tag.id, "published": False} for i in ids],
    )
    db.session.flush()
    analyze()


def analyze() -> None:
    """Refresh PostgreSQL's statistics, as autovacuum does after a bulk load."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE articles, article_tags, users, follows")


class Subjects(NamedTuple):
    """Who and what the reads are about."""

    reader: User
    writer: User
    tag: Tag


READS: dict[str, Callable[[Subjects], Any]] = {
    "list": lambda _: queries.list_articles(viewer=None, page=PageRequest(limit=20)),
    "list, second page": lambda _: queries.list_articles(
        viewer=None, page=PageRequest(limit=20, offset=20)
    ),
    "tag": lambda s: queries.list_articles(viewer=None, page=PageRequest(limit=20), tag=s.tag.name),
    "author": lambda s: queries.list_articles(
        viewer=None, page=PageRequest(limit=20), author=s.writer.username
    ),
    "feed": lambda s: queries.feed(viewer=s.reader, page=PageRequest(limit=20)),
    "atom feed": lambda _: feed_queries.feed_entries(limit=20),
    "tag's atom feed": lambda s: feed_queries.feed_entries(
        limit=20, tag=feed_queries.tag_subject(name=s.tag.name)
    ),
    "author's atom feed": lambda s: feed_queries.feed_entries(
        limit=20, author=feed_queries.author_subject(username=s.writer.username)
    ),
    "sitemap": lambda _: list(feed_queries.sitemap_articles(limit=1000)),
}


@pytest.mark.parametrize("name", READS)
def test_a_public_read_costs_the_same_with_many_drafts(
    app_ctx: None, make_user: Any, make_article: Any, name: str
) -> None:
    writer, reader = make_user(), make_user()
    for i in range(45):
        make_article(writer, title=f"Published {i}", tag_list=["python"])
    reader_row = db.session.get(User, reader.id)
    writer_row = db.session.get(User, writer.id)
    follow(follower=reader_row, followee=writer_row)
    tag = db.session.scalar(select(Tag).where(Tag.name == "python"))
    read = READS[name]
    analyze()
    subjects = Subjects(reader_row, writer_row, tag)
    read(subjects)  # warm: statements compiled, counters cached
    with measure() as before:
        first = read(subjects)
    add_drafts(writer_row, tag, DRAFTS)
    with measure() as after:
        second = read(subjects)

    assert second == first  # the drafts are in none of them
    # A walk past the drafts would cost about DRAFTS more steps; allow the noise of a plan.
    assert after.units <= before.units * 1.25 + 10, (before.units, after.units)
