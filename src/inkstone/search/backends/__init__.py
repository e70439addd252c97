"""Search backends: one interface (``base.Backend``), the same terms, a store per database.

Embedded (SQLite): an FTS5 table holding each document's terms (``sqlite.py``). Scaled
(PostgreSQL): a ``tsvector`` built from the same terms with a GIN index (``postgres.py``).
A search server (Meilisearch, OpenSearch…) would be a third module offering ``base.Backend``;
the services pick the backend through :func:`backend` and name none of them.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from inkstone.search.backends.base import (
    CANDIDATES,
    COUNTED,
    Backend,
    Candidate,
    Filters,
    Status,
)

__all__ = [
    "CANDIDATES",
    "COUNTED",
    "Backend",
    "Candidate",
    "Filters",
    "Status",
    "backend",
    "backend_for",
]


def backend(connection: Connection) -> Backend:
    """Return the backend for the database behind ``connection``."""
    return backend_for(connection.dialect.name)


def backend_for(dialect: str) -> Backend:
    """Return the backend for a database dialect (``sqlite``, ``postgresql``)."""
    if dialect == "postgresql":
        from inkstone.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from inkstone.search.backends.sqlite import SqliteBackend

    return SqliteBackend()
