"""Cache each article's tag names on its row, so pages show tags without a join.

Revision ID: 05865ccefc2c
Revises: 624710b32783
Create Date: 2026-11-20 23:33:42.262020

The new column holds the sorted display names as a JSON array; article_tags stays the
source of truth for filtering. Existing articles are filled in from article_tags.
"""

import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "05865ccefc2c"
down_revision = "624710b32783"
branch_labels = None
depends_on = None

BATCH = 1000


def _encode(names: list[str]) -> str:
    # the same compact form the app writes (orjson)
    return json.dumps(names, ensure_ascii=False, separators=(",", ":"))


def upgrade() -> None:
    # Native ADD COLUMN on both databases: no table rebuild needed.
    op.add_column(
        "articles", sa.Column("tag_names", sa.Text(), server_default="[]", nullable=False)
    )

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT article_tags.article_id, tags.name FROM article_tags "
            "JOIN tags ON tags.id = article_tags.tag_id"
        )
    )
    names: dict[int, list[str]] = defaultdict(list)
    for article_id, name in rows:
        names[article_id].append(name)
    update = sa.text("UPDATE articles SET tag_names = :names WHERE id = :id")
    pending = [
        {"id": article_id, "names": _encode(sorted(tags, key=str.casefold))}
        for article_id, tags in names.items()
    ]
    for start in range(0, len(pending), BATCH):
        conn.execute(update, pending[start : start + BATCH])


def downgrade() -> None:
    op.drop_column("articles", "tag_names")  # native DROP COLUMN (SQLite 3.35+)
