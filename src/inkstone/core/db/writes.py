"""Portable write helpers for statements SQLite and PostgreSQL spell the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from inkstone.extensions import db


def insert_ignoring_conflicts(
    model: Any,
    rows: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    index_elements: Sequence[str] | None = None,
) -> int:
    """INSERT ``rows``, skipping any that clash with a unique key; return how many went in.

    Race-safe idempotent writes (a favorite, a follow, a new tag) without a read first.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = getattr(model, "__table__", model)  # a Core INSERT: no ORM bulk machinery
    statement = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=index_elements)
        # psycopg reports -1 for an INSERT's rowcount unless SQLAlchemy is asked to keep it
        .execution_options(preserve_rowcount=True)
    )
    count: int = db.session.execute(statement).rowcount  # type: ignore[attr-defined]
    return count
