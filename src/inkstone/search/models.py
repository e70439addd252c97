"""When each part of the search index was last written (``flask search status``).

The index itself is not a model: its tables differ by database (an SQLite FTS5 virtual
table, PostgreSQL tables of ``tsvector``), are made by the migration and written by the
backends (``search.backends``), and are left out of the models' schema comparison
(``core.db.HAND_MADE_TABLES``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, utcnow

INDEX_TABLES = ("search_articles", "search_people")


class SearchState(Base):
    """One part of the index (``articles``, ``people``) and its last write."""

    __tablename__ = "search_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchState {self.name} {self.updated_at}>"


_TOUCH = (
    update(SearchState)
    .where(SearchState.name == bindparam("part"))
    .values(updated_at=bindparam("now"))
)


def touch(connection: Connection, part: str) -> None:
    """Record that ``part`` of the index was written now."""
    now = utcnow()
    if connection.execute(_TOUCH, {"part": part, "now": now}).rowcount == 0:
        connection.execute(insert(SearchState).values(name=part, updated_at=now))
