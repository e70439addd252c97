"""Notifications and their preferences.

Revision ID: b2d5f8e31c42
Revises: a1c4e7d20b31
Create Date: 2026-12-07 11:00:00

- ``notifications``: one row per thing a reader should hear of. The list walks
  ``(user_id, created_at, id)``; the bell's unread count on every signed-in page reads the
  partial index of unread rows only (``read_at IS NULL``), so a reader's thousands of read
  notifications cost it nothing. A second partial index, unique, keeps one unread favorite
  row per reader and article: the row that the next favorite groups into.
- ``notification_preferences``: a reader's choice per kind (site, email, digest, off), only
  where it differs from the default.
- ``notification_digests``: when each reader's daily digest last went out.
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "b2d5f8e31c42"
down_revision = "a1c4e7d20b31"
branch_labels = None
depends_on = None

KINDS = "kind IN ('comment', 'mention', 'follow', 'favorite', 'job', 'moderation', 'report')"
CHANNELS = "channel IN ('site', 'email', 'digest', 'off')"


def _where(condition: str) -> dict[str, object]:
    """Return the options of a partial index on the rows meeting ``condition``."""
    clause = sa.text(condition)
    return {"sqlite_where": clause, "postgresql_where": clause}


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", BigId, nullable=True),
        sa.Column("article_id", BigId, nullable=True),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor_count", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_notifications_kind_known")),
        sa.CheckConstraint("actor_count >= 1", name=op.f("ck_notifications_actor_count_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_notifications_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_notifications_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_user_id_created_at_id",
        "notifications",
        ["user_id", "created_at", "id"],
    )
    op.create_index("ix_notifications_actor_id", "notifications", ["actor_id"])
    op.create_index("ix_notifications_article_id", "notifications", ["article_id"])
    op.create_index("ix_notifications_comment_id", "notifications", ["comment_id"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id", "kind"],
        **_where("read_at IS NULL"),
    )
    op.create_index(
        "ix_notifications_unread_favorite",
        "notifications",
        ["user_id", "article_id"],
        unique=True,
        **_where("read_at IS NULL AND kind = 'favorite'"),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_notification_preferences_kind_known")),
        sa.CheckConstraint(CHANNELS, name=op.f("ck_notification_preferences_channel_known")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_preferences")),
    )
    op.create_index("ix_notification_preferences_channel", "notification_preferences", ["channel"])
    op.create_table(
        "notification_digests",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_digests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_digests")),
    )


def downgrade() -> None:
    op.drop_table("notification_digests")
    op.drop_index("ix_notification_preferences_channel", table_name="notification_preferences")
    op.drop_table("notification_preferences")
    for name in (
        "ix_notifications_unread_favorite",
        "ix_notifications_unread",
        "ix_notifications_comment_id",
        "ix_notifications_article_id",
        "ix_notifications_actor_id",
        "ix_notifications_user_id_created_at_id",
    ):
        op.drop_index(name, table_name="notifications")
    op.drop_table("notifications")
