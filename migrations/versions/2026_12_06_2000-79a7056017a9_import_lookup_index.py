"""An index for the look-up an import makes per row.

Revision ID: 79a7056017a9
Revises: 8e1d6c2b4f70
Create Date: 2026-12-06 20:00:00

An import skips a row whose author already has an article with the same title and body. That
look-up read every article of the author (``ix_articles_author_id_created_at_id``): a file of a
million rows read a million articles a row by its end. ``ix_articles_author_id_title`` finds
the few with that title.
"""

from alembic import op

revision = "79a7056017a9"
down_revision = "8e1d6c2b4f70"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_author_id_title", "articles", ["author_id", "title"])


def downgrade() -> None:
    op.drop_index("ix_articles_author_id_title", table_name="articles")
