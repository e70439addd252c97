"""Author newsletters: subscribers and the articles mailed to them.

Revision ID: c3e6a9f42d53
Revises: b2d5f8e31c42
Create Date: 2026-12-07 12:00:00

``newsletter_subscriptions``: one address per author (``email_key``, the address case-folded,
is unique per author), its status and the key its links are signed with. ``newsletter_mailings``:
one row per article ever mailed (``article_id`` unique: a re-published article is not mailed
again). ``newsletter_deliveries``: each subscriber a mailing reached or bounced on, so a retried
batch mails nobody twice.
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "c3e6a9f42d53"
down_revision = "b2d5f8e31c42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "newsletter_subscriptions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("author_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("token_key", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_newsletter_subscriptions_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_newsletter_subscriptions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_subscriptions")),
        sa.UniqueConstraint(
            "author_id", "email_key", name=op.f("uq_newsletter_subscriptions_author_id")
        ),
    )
    op.create_index(
        "ix_newsletter_subscriptions_author_status",
        "newsletter_subscriptions",
        ["author_id", "status", "id"],
    )
    op.create_index(
        "ix_newsletter_subscriptions_status_created",
        "newsletter_subscriptions",
        ["status", "created_at"],
    )
    op.create_index(
        op.f("ix_newsletter_subscriptions_user_id"), "newsletter_subscriptions", ["user_id"]
    )
    op.create_index(
        op.f("ix_newsletter_subscriptions_email_key"), "newsletter_subscriptions", ["email_key"]
    )
    op.create_table(
        "newsletter_mailings",
        sa.Column("id", BigId, nullable=False),
        sa.Column("article_id", BigId, nullable=False),
        sa.Column("author_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_subscription_id", BigId, nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("bounced_count", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_newsletter_mailings_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_newsletter_mailings_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_mailings")),
        sa.UniqueConstraint("article_id", name=op.f("uq_newsletter_mailings_article_id")),
    )
    op.create_index(op.f("ix_newsletter_mailings_author_id"), "newsletter_mailings", ["author_id"])
    op.create_table(
        "newsletter_deliveries",
        sa.Column("mailing_id", BigId, nullable=False),
        sa.Column("subscription_id", BigId, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailing_id"],
            ["newsletter_mailings.id"],
            name=op.f("fk_newsletter_deliveries_mailing_id_newsletter_mailings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["newsletter_subscriptions.id"],
            name=op.f("fk_newsletter_deliveries_subscription_id_newsletter_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "mailing_id", "subscription_id", name=op.f("pk_newsletter_deliveries")
        ),
    )
    op.create_index(
        op.f("ix_newsletter_deliveries_subscription_id"),
        "newsletter_deliveries",
        ["subscription_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_newsletter_deliveries_subscription_id"), table_name="newsletter_deliveries"
    )
    op.drop_table("newsletter_deliveries")
    op.drop_index(op.f("ix_newsletter_mailings_author_id"), table_name="newsletter_mailings")
    op.drop_table("newsletter_mailings")
    op.drop_index(
        op.f("ix_newsletter_subscriptions_email_key"), table_name="newsletter_subscriptions"
    )
    op.drop_index(
        op.f("ix_newsletter_subscriptions_user_id"), table_name="newsletter_subscriptions"
    )
    op.drop_index(
        "ix_newsletter_subscriptions_status_created", table_name="newsletter_subscriptions"
    )
    op.drop_index(
        "ix_newsletter_subscriptions_author_status", table_name="newsletter_subscriptions"
    )
    op.drop_table("newsletter_subscriptions")
