"""Drafts, rendered article bodies, display preferences and the guestbook.

Revision ID: 4c244125ef39
Revises: 0dfa70d40b69
Create Date: 2026-11-21 00:48:49.270835

- ``articles.published``: every existing article stays published (server default true).
- ``articles.body_html`` / ``body_html_version``: NULL / 0 until the article is next written;
  the site renders such bodies on read until then (``flask articles render`` fills them).
- ``users.locale`` / ``users.timezone``: NULL follows the browser.
- ``guestbook_messages``: the site's guestbook, newest first by (created_at, id).
"""

import sqlalchemy as sa
from alembic import op

# ids as in the core schema: 64-bit, INTEGER (rowid) on SQLite
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "4c244125ef39"
down_revision = "0dfa70d40b69"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guestbook_messages",
        sa.Column("id", BigId, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("author_id", BigId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(body) BETWEEN 1 AND 500", name=op.f("ck_guestbook_messages_body_length")
        ),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 40", name=op.f("ck_guestbook_messages_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_guestbook_messages_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guestbook_messages")),
    )
    op.create_index(op.f("ix_guestbook_messages_author_id"), "guestbook_messages", ["author_id"])
    op.create_index(
        "ix_guestbook_messages_created_at_id", "guestbook_messages", ["created_at", "id"]
    )

    # Plain ALTER TABLE (SQLite >= 3.35 adds and drops columns in place): a batch rebuild
    # would lose the expression index on lower(username), which SQLite cannot reflect.
    op.add_column(
        "articles",
        sa.Column("published", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("articles", sa.Column("body_html", sa.Text(), nullable=True))
    op.add_column(
        "articles",
        sa.Column("body_html_version", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("users", sa.Column("locale", sa.String(length=16), nullable=True))
    op.add_column("users", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "timezone")
    op.drop_column("users", "locale")

    # Drafts were never visible; dropping the flag would publish them, so they go first.
    op.execute("DELETE FROM articles WHERE published = false")
    op.drop_column("articles", "body_html_version")
    op.drop_column("articles", "body_html")
    op.drop_column("articles", "published")

    op.drop_index("ix_guestbook_messages_created_at_id", table_name="guestbook_messages")
    op.drop_index(op.f("ix_guestbook_messages_author_id"), table_name="guestbook_messages")
    op.drop_table("guestbook_messages")
