"""Alembic environment bound to the Flask app's SQLAlchemy metadata."""

import logging

from alembic import context
from flask import current_app

from inkstone.core.db import include_name

config = context.config
logger = logging.getLogger("alembic.env")
db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
OPTIONS = {
    "target_metadata": db.metadata,
    "include_name": include_name,  # hand-made tables (search indexes) are not models
    "compare_type": True,
    "render_as_batch": True,  # SQLite needs table rebuilds for most ALTERs
}


def run_migrations_offline() -> None:
    """Emit SQL to stdout without a connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection."""

    def process_revision_directives(_context, _revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table by copying it and dropping the original; with
            # foreign keys enforced, that DROP cascades into every child table (data loss).
            # The pragma only takes effect outside a transaction, so it runs first.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # close SQLAlchemy's implicit transaction: Alembic opens its own
        context.configure(
            connection=connection,
            process_revision_directives=process_revision_directives,
            **OPTIONS,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
