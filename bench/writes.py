"""Undo the favorite benchmark's writes, checking first that the app kept its counters."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from bench.dataset import BATCH, Dataset, connect
from inkstone.articles.models import Article, Favorite
from inkstone.auth.models import User


def reset(dataset: Dataset) -> tuple[int, list[str]]:
    """Undo the favorite benchmark's writes so the cached dataset stays as built.

    Returns how many favorites were removed and, before removing them, any counter the app
    failed to keep in step with the rows it wrote (a bug worth reporting).
    """
    writer = dataset.writer_id
    articles_t, users_t, favorites_t = Article.__table__, User.__table__, Favorite.__table__
    engine = connect(dataset.database_url)
    try:
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    select(favorites_t.c.article_id).where(favorites_t.c.user_id == writer)
                )
            )
            if not ids:
                return 0, []
            problems = _favorite_drift(conn, writer, ids)
            conn.execute(favorites_t.delete().where(favorites_t.c.user_id == writer))
            # Recount rather than decrement: right even when the app's counters drifted.
            real = (
                select(func.count())
                .where(favorites_t.c.article_id == articles_t.c.id)
                .scalar_subquery()
            )
            for first in range(0, len(ids), BATCH):
                conn.execute(
                    articles_t.update()
                    .where(articles_t.c.id.in_(ids[first : first + BATCH]))
                    .values(favorites_count=real, updated_at=articles_t.c.updated_at)
                )
            conn.execute(
                users_t.update()
                .where(users_t.c.id == writer)
                .values(favorites_count=0, updated_at=users_t.c.updated_at)
            )
    finally:
        engine.dispose()
    return len(ids), problems


def _favorite_drift(conn: Connection, writer: int, ids: list[int]) -> list[str]:
    """Compare the counters the favorite service maintains with the rows it wrote."""
    articles_t, users_t, favorites_t = Article.__table__, User.__table__, Favorite.__table__
    problems = []
    user_count = conn.scalar(select(users_t.c.favorites_count).where(users_t.c.id == writer))
    if user_count != len(ids):
        problems.append(f"users.favorites_count of the writer is {user_count}, rows: {len(ids)}")
    real = select(func.count()).where(favorites_t.c.article_id == articles_t.c.id).scalar_subquery()
    drifted = 0
    for first in range(0, len(ids), BATCH):
        drifted += (
            conn.scalar(
                select(func.count())
                .select_from(articles_t)
                .where(
                    articles_t.c.id.in_(ids[first : first + BATCH]),
                    articles_t.c.favorites_count != real,
                )
            )
            or 0
        )
    if drifted:
        problems.append(
            f"articles.favorites_count wrong on {drifted} of {len(ids)} favorited articles"
        )
    return problems
