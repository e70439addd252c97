"""Accounts: server-side sessions, where users are signed in, the audit log, token versions.

Revision ID: 7651f93aac1e
Revises: 4c244125ef39
Create Date: 2026-11-21 03:03:50.580194

- ``web_sessions``: Flask-Session's stored data, keyed by the id in the browser's cookie.
- ``user_sessions``: one row per signed-in web session (device, IP, last seen); deleting a row
  signs that browser out.
- ``audit_events``: security events (sign-ins, password/email changes, role/status changes…).
- ``users.token_version``: tokens and sessions made before a bump no longer work.
- ``users.email_confirmed_at`` / ``pending_email`` / ``deleted_at``: the account lifecycle.
  Accounts that exist already were active before confirmation existed: they count as
  confirmed from the day they were made.
"""

import sqlalchemy as sa
from alembic import op

# ids as in the core schema: 64-bit, INTEGER (rowid) on SQLite
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "7651f93aac1e"
down_revision = "4c244125ef39"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("session_id", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])

    op.create_table(
        "user_sessions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    op.create_index(
        "ix_user_sessions_user_id_last_seen_at", "user_sessions", ["user_id", "last_seen_at"]
    )

    op.create_table(
        "audit_events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("actor_id", BigId, nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_audit_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_event_created_at", "audit_events", ["event", "created_at"])
    op.create_index("ix_audit_events_user_id_created_at", "audit_events", ["user_id", "created_at"])

    # Plain ALTER TABLE, not a batch rebuild: that would lose the lower(username) index.
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "users", sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("users", sa.Column("pending_email", sa.String(length=254), nullable=True))
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at WHERE status = 'active'")


def downgrade() -> None:
    # The lifecycle before this revision had no unverified accounts: they become active.
    op.execute("UPDATE users SET status = 'active' WHERE status = 'unverified'")
    op.drop_column("users", "deleted_at")
    op.drop_column("users", "pending_email")
    op.drop_column("users", "email_confirmed_at")
    op.drop_column("users", "token_version")

    op.drop_index("ix_audit_events_user_id_created_at", table_name="audit_events")
    op.drop_index("ix_audit_events_event_created_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_user_sessions_user_id_last_seen_at", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_table("web_sessions")
