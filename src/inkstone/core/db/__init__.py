"""Declarative base with a naming convention, UTC timestamps and SQLite tuning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from inkstone.core.db.gate import GatedConnection, gate_for

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC in SQLite, ``timestamptz`` in PostgreSQL; always load aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def _created_at(context: Any) -> datetime:
    """Return the ``created_at`` of the row being inserted (``updated_at``'s default)."""
    created: datetime = context.get_current_parameters()["created_at"]
    return created


class TimestampMixin:
    """``created_at`` and ``updated_at`` set by callables, never at import time."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    # A new row was last updated when it was made: the same instant, not a second clock read
    # that may fall in the next millisecond.
    updated_at: Mapped[datetime] = mapped_column(
        default=_created_at, onupdate=utcnow, nullable=False
    )


BUSY_SECONDS = 5


def sqlite_options() -> dict[str, Any]:
    """Return the engine options of an embedded database: writers pass ``core.sqlite_gate``."""
    return {"connect_args": {"factory": GatedConnection}}


# How long opening a connection to a database server may take before the request gives up
# (503): without it, psycopg waits for the network's own timeout, minutes for a lost host.
CONNECT_SECONDS = 3


def server_options(url: str) -> dict[str, Any]:
    """Return the engine options of a database server (PostgreSQL).

    ``pool_pre_ping``: a pooled connection is checked (a round trip) before each use, so
    connections the server dropped while it restarted are replaced unnoticed; without it,
    each one kept by a process failed one request with a 503 after the database came back.
    A ``connect_timeout`` in ``url`` wins over ``CONNECT_SECONDS``.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    if "connect_timeout=" not in url:
        options["connect_args"] = {"connect_timeout": CONNECT_SECONDS}
    return options


def tune_sqlite(engine: Engine) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every SQLite connection.

    Connections made with ``sqlite_options`` get their database's write gate too.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    gate = gate_for(database, BUSY_SECONDS) if database and database != ":memory:" else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, GatedConnection):
            dbapi_connection.gate = gate
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def lock_for_writing(session: Any) -> None:
    """Under SQLite, take the database's write lock now, for a transaction that reads, then writes.

    In WAL mode a transaction that has read and then writes fails at once with "database is
    locked" (no busy wait) if another connection committed in between: its snapshot is stale.
    ``BEGIN IMMEDIATE`` takes the write lock first (waiting up to ``busy_timeout`` for it) and
    keeps it until the commit, so such a transaction never fails that way; other writers wait
    meanwhile, so keep it short. No-op if a transaction is already open, and on other databases.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if connection.connection.dbapi_connection.in_transaction:
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# Tables a feature makes by hand in its migration, different per database (an SQLite FTS5
# virtual table and the shadow tables it owns, PostgreSQL-only types): not models, so the
# models-against-schema comparison (``flask db check``, autogenerate) leaves them out.
HAND_MADE_TABLES: set[str] = set()
_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")


def is_hand_made(name: str) -> bool:
    """Tell whether table ``name`` is (or belongs to) one of ``HAND_MADE_TABLES``."""
    if name in HAND_MADE_TABLES:
        return True
    return any(name.endswith(s) and name[: -len(s)] in HAND_MADE_TABLES for s in _SHADOW_SUFFIXES)


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook: compare every table but the hand-made ones."""
    return not (type_ == "table" and name is not None and is_hand_made(name))
