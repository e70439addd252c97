"""What the code and the configured database say about the schema and the data."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from flask import Flask
from sqlalchemy import exists, inspect, select, table
from sqlalchemy.engine import Engine

from inkstone.core.db import is_hand_made

# Alembic's bookkeeping; a database that holds only this holds no data.
_BOOKKEEPING = frozenset({"alembic_version"})


def _scripts(app: Flask) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(app.extensions["migrate"].directory))
    return ScriptDirectory.from_config(config)


def code_head(app: Flask) -> str | None:
    """Return the migration head of this code."""
    return _scripts(app).get_current_head()


def is_known(app: Flask, revision: str) -> bool:
    """Tell whether ``revision`` is one of this code's migrations (else a newer code made it)."""
    try:
        return _scripts(app).get_revision(revision) is not None
    except (CommandError, RevisionError):  # no such revision
        return False


def database_revision(engine: Engine) -> str | None:
    """Return the migration the database at ``engine`` is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def tables_with_rows(engine: Engine) -> list[str]:
    """Return the tables of the database that hold rows (search indexes and Alembic's aside)."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return [
            name
            for name in sorted(names)
            if name not in _BOOKKEEPING
            and not is_hand_made(name)
            and connection.scalar(select(exists().select_from(table(name))))
        ]
