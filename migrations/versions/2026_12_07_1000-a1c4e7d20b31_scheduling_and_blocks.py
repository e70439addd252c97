"""Scheduled publishing (articles.publish_at) and blocked people (blocks).

Revision ID: a1c4e7d20b31
Revises: 7d2e1b3c0a58
Create Date: 2026-12-07 10:00:00

``articles.publish_at`` is when the worker publishes a draft (``articles.scheduling``);
its index lets each beat find the due drafts without reading the others. ``blocks`` holds
who blocked whom: the primary key answers "whom did I block", ``ix_blocks_blocked_id``
"who blocked me"; both go with either account (ON DELETE CASCADE).
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "a1c4e7d20b31"
down_revision = "7d2e1b3c0a58"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no constraint): SQLite's batch mode would rebuild ``articles`` and
    # lose the search triggers on it.
    op.add_column("articles", sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_articles_publish_at"), "articles", ["publish_at"], unique=False)
    op.create_table(
        "blocks",
        sa.Column("blocker_id", BigId, nullable=False),
        sa.Column("blocked_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("blocker_id <> blocked_id", name=op.f("ck_blocks_no_self_block")),
        sa.ForeignKeyConstraint(
            ["blocked_id"],
            ["users.id"],
            name=op.f("fk_blocks_blocked_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["blocker_id"],
            ["users.id"],
            name=op.f("fk_blocks_blocker_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_blocks")),
    )
    op.create_index(op.f("ix_blocks_blocked_id"), "blocks", ["blocked_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_blocks_blocked_id"), table_name="blocks")
    op.drop_table("blocks")
    op.drop_index(op.f("ix_articles_publish_at"), table_name="articles")
    op.drop_column("articles", "publish_at")  # SQLite 3.35+ drops a plain column in place
