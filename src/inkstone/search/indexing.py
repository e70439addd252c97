"""Keeping the index in step: event subscribers, and the full rebuild.

After each commit that published or edited an article, or registered or changed a person,
the document is written again at once, in its own short transaction, so the next request
finds it. Taking documents out is done by database triggers in the very transaction that
unpublishes, hides or deletes (see the ``search`` migration). A renamed person's articles
carry their name: those are written again by a task (``reindex_author``), sent through the
outbox with the rename, as there may be many.

A subscriber that fails (the database went away between the commit and the index write)
leaves the document stale, never public when it should not be (searches join the articles
themselves); ``flask search reindex`` rebuilds everything.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import structlog
from celery import shared_task
from sqlalchemy import func, inspect, select, true

from inkstone.articles.models import Article
from inkstone.core import events
from inkstone.core.celery import enqueue_after_commit, task_named
from inkstone.core.db import lock_for_writing
from inkstone.extensions import db
from inkstone.search import documents
from inkstone.search.backends import backend, backend_for

log = structlog.get_logger(__name__)
BATCH = 1_000
PERSON_FIELDS = frozenset({"username", "bio", "status"})


def _id_of(instance: Any) -> int | None:
    """Return a loaded object's id without loading it again (it is expired after commit)."""
    identity = inspect(instance).identity
    return int(identity[0]) if identity else None


def index_articles(ids: list[int]) -> None:
    """Write the documents of these articles (those still published) in the session."""
    connection = db.session.connection()
    found = documents.published_articles(ids)
    backend(connection).put_articles(connection, found)


def index_people(ids: list[int]) -> None:
    """Write the documents of these people (those still findable) in the session."""
    connection = db.session.connection()
    found = documents.findable_people(ids)
    store = backend(connection)
    store.put_people(connection, found)
    gone = set(ids) - {d.id for d in found}
    store.drop_people(connection, sorted(gone))


def _committed(write: Callable[[list[int]], None], ids: list[int]) -> None:
    """Run ``write(ids)`` in a transaction of its own and commit it."""
    try:
        lock_for_writing(db.session)
        write(ids)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("search.index_failed", ids=ids[:10])


def on_article_written(*, article: Article, **_: Any) -> None:
    """After a publish or an edit commits, index the article again."""
    article_id = _id_of(article)
    if article_id is not None:
        _committed(index_articles, [article_id])


def on_person_written(*, user: Any, changed: frozenset[str] = PERSON_FIELDS, **_: Any) -> None:
    """After a sign-up or a change of name, bio or status commits, index the person again."""
    user_id = _id_of(user)
    if user_id is not None and changed & PERSON_FIELDS:
        _committed(index_people, [user_id])


def on_person_renamed(*, user: Any, changed: frozenset[str], **_: Any) -> None:
    """With a rename, index the person's articles again (they carry the name) after commit."""
    if "username" in changed:
        enqueue_after_commit(task_named(REINDEX_AUTHOR), user.id)


def on_person_deleting(*, user: Any, remove_content: bool, **_: Any) -> None:
    """A deleted account's kept articles are shown as a deleted user's: index them again."""
    if not remove_content:
        enqueue_after_commit(task_named(REINDEX_AUTHOR), user.id)


def subscribe() -> None:
    """Connect the index to the events (every ``create_app`` may call this again)."""
    events.article_published.connect(on_article_written)
    events.article_updated.connect(on_article_written)
    events.user_registered.connect(on_person_written)
    events.user_changed.connect(on_person_written)
    events.user_changed.connect(on_person_renamed, when=events.IN_TRANSACTION)
    events.user_deleting.connect(on_person_deleting, when=events.IN_TRANSACTION)


# ----------------------------------------------------------------------------- rebuilding


def author_article_ids(author_id: int, *, batch: int, after: int) -> list[int]:
    """Return up to ``batch`` ids of an author's published articles after ``after``."""
    statement = (
        select(Article.id)
        .where(Article.author_id == author_id, Article.published == true(), Article.id > after)
        .order_by(Article.id)
        .limit(batch)
    )
    return list(db.session.scalars(statement))


REINDEX_AUTHOR = "inkstone.search.reindex_author"


@shared_task(name=REINDEX_AUTHOR)  # type: ignore[untyped-decorator]  # Celery is untyped
def reindex_author(author_id: int) -> int:
    """Index one author's published articles again (their name changed); return how many."""
    done = 0

    def next_batch(*, batch: int, after: int) -> list[int]:
        return author_article_ids(author_id, batch=batch, after=after)

    for ids in documents.iter_id_batches(next_batch, batch=BATCH):
        lock_for_writing(db.session)
        index_articles(ids)
        db.session.commit()
        done += len(ids)
    return done


def rebuild(
    *,
    fresh: bool = False,
    workers: int = 1,
    progress: Callable[[int, int], bool] | None = None,
) -> tuple[int, int]:
    """Index every published article and findable person again; return how many of each.

    In place by default: each batch replaces its documents and is committed on its own, so
    readers keep searching while it runs; documents of what is no longer public are pruned
    at the end. ``fresh`` empties the index first (faster on a large first build; searches
    find only what is done so far meanwhile). ``workers`` > 1 cuts the text in that many
    processes while this one reads and writes (the command line's rebuild; a job runs in a
    worker process, which may not start others). ``progress(done, total)`` is called after
    each batch of articles; returning False stops the rebuild there (a cancelled job).
    """
    lock_for_writing(db.session)
    connection = db.session.connection()
    store = backend(connection)
    if fresh:
        store.clear(connection)
    db.session.commit()
    total = db.session.scalar(select(func.count()).where(Article.published == true())) or 0
    articles = 0
    for rows in _article_rows(connection.dialect.name, workers):
        lock_for_writing(db.session)
        store.write_articles(db.session.connection(), rows)
        db.session.commit()
        articles += len(rows)
        if progress is not None and not progress(articles, total):
            return articles, 0
    people = 0
    for ids in _batches(documents.findable_person_ids):
        lock_for_writing(db.session)
        index_people(ids)
        db.session.commit()
        people += len(ids)
    lock_for_writing(db.session)
    connection = db.session.connection()
    store.prune(connection)
    db.session.commit()
    return articles, people


def rows_of(dialect: str, sources: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Return the index rows of article source rows (run in a worker process)."""
    return backend_for(dialect).article_rows(documents.article_documents(sources))


def _article_rows(dialect: str, workers: int) -> Iterator[list[dict[str, Any]]]:
    """Yield the index rows of every published article, a batch at a time."""
    sources = (
        documents.published_article_sources(ids)
        for ids in _batches(documents.published_article_ids)
    )
    if workers <= 1:
        for batch in sources:
            yield rows_of(dialect, batch)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[list[dict[str, Any]]]] = deque()
        for batch in sources:
            pending.append(pool.submit(rows_of, dialect, batch))
            if len(pending) > workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _batches(next_batch: Callable[..., list[int]]) -> Iterator[list[int]]:
    yield from documents.iter_id_batches(next_batch, batch=BATCH)
