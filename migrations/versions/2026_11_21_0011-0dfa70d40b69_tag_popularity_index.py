"""Index the tag cloud's order: most used first, ties newest first.

Revision ID: 0dfa70d40b69
Revises: 05865ccefc2c
Create Date: 2026-11-21 00:11:41.820565

GET /tags orders by (articles_count DESC, id DESC); reading (articles_count, id, name)
backwards serves it without a sort and without touching the table.
"""

from alembic import op

revision = "0dfa70d40b69"
down_revision = "05865ccefc2c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_tags_articles_count_name", table_name="tags")
    op.create_index("ix_tags_popularity", "tags", ["articles_count", "id", "name"])


def downgrade() -> None:
    op.drop_index("ix_tags_popularity", table_name="tags")
    op.create_index("ix_tags_articles_count_name", "tags", ["articles_count", "name"])
