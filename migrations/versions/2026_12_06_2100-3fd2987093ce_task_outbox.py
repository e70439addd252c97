"""The task outbox: tasks written with the work that needs them, sent after the commit.

Revision ID: 3fd2987093ce
Revises: 79a7056017a9
Create Date: 2026-12-06 21:00:00

With the broker down, ``POST /exports`` committed its job as ``queued`` and then failed to
send its task: the job stayed queued for ever. ``task_outbox`` holds each task to send from
the transaction that needs it until the broker has taken it (``inkstone.core.celery.outbox``).
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "3fd2987093ce"
down_revision = "79a7056017a9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_outbox",
        sa.Column("id", BigId, nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_outbox")),
    )
    op.create_index(op.f("ix_task_outbox_created_at"), "task_outbox", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_task_outbox_created_at"), table_name="task_outbox")
    op.drop_table("task_outbox")
