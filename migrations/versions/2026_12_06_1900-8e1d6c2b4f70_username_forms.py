"""Usernames compared in one canonical form, and refused when they look like another.

Revision ID: 8e1d6c2b4f70
Revises: 32f8b253ba79
Create Date: 2026-12-06 19:00:00

SQLite's ``lower()`` folds ASCII only: ``Émile`` and ``émile`` both registered there (while
PostgreSQL refused the second), full-width ``DEMO`` (U+FF24…) registered beside ``demo``, and so did
``demo`` spelt with a Cyrillic ``e`` (U+0435).

- ``users.username_key``: NFKC + case folding (``inkstone.auth.usernames.canonical``), unique;
  every look-up compares it. Replaces the unique index on ``lower(username)``.
- ``users.username_skeleton``: Unicode TR39's skeleton, case-folded (``usernames.skeleton``),
  unique: names that look alike cannot both exist.
- Existing names are stored in NFKC (full-width letters become plain). Where two accounts now
  clash, the newer one is renamed ``<name>-<id>``; every rename is reported in the migration's
  log (``flask db upgrade`` prints it). Names that mix scripts are reported, not changed.
"""

import logging

import sqlalchemy as sa
from alembic import op

from inkstone.auth.usernames import canonical, script_problem, skeleton, tidy

revision = "8e1d6c2b4f70"
down_revision = "32f8b253ba79"
branch_labels = None
depends_on = None

USERNAME_MAX = 40
log = logging.getLogger("alembic.runtime.migration")


def _canonicalise(bind: sa.Connection) -> None:
    """Fill the new columns, oldest account first; rename the newer of any clashing pair."""
    users = sa.table(
        "users",
        sa.column("id"),
        sa.column("username"),
        sa.column("username_key"),
        sa.column("username_skeleton"),
    )
    keys: dict[str, str] = {}
    looks: dict[str, str] = {}
    rows = bind.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id)).all()
    for user_id, username in rows:
        name = tidy(username) or username
        key, look = canonical(name), skeleton(name)
        clash = keys.get(key) or looks.get(look)
        if clash is not None:
            suffix = f"-{user_id}"
            renamed = name[: USERNAME_MAX - len(suffix)] + suffix
            log.warning(
                "username %r (user %s) clashes with %r: renamed %r",
                username,
                user_id,
                clash,
                renamed,
            )
            name, key, look = renamed, canonical(renamed), skeleton(renamed)
        elif name != username:
            log.warning("username %r (user %s) stored as %r (NFKC)", username, user_id, name)
        problem = script_problem(name)
        if problem:
            log.warning("username %r (user %s) %s: kept", name, user_id, problem)
        keys[key] = looks[look] = name
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(username=name, username_key=key, username_skeleton=look)
        )


def upgrade() -> None:
    op.drop_index("uq_users_username_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username_key", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("username_skeleton", sa.Text(), nullable=True))
    _canonicalise(op.get_bind())
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("username_key", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("username_skeleton", existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_users_username_key"), ["username_key"])
        batch_op.create_unique_constraint(op.f("uq_users_username_skeleton"), ["username_skeleton"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_users_username_skeleton"), type_="unique")
        batch_op.drop_constraint(op.f("uq_users_username_key"), type_="unique")
        batch_op.drop_column("username_skeleton")
        batch_op.drop_column("username_key")
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
