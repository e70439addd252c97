"""Uploads: files users sent, pointing at content-addressed blobs.

Revision ID: 0270b22f48b9
Revises: b7d2e41c9a10
Create Date: 2026-11-21 05:00:00

- ``uploads``: one row per file a user uploaded (snowflake ids made by the app): its kind
  (image or attachment), stored content type and size, the sha256 naming its blob (shared by
  every upload of the same bytes), the name it was sent with, an image's size and its
  thumbnails; newest first per owner, and by sha256 to find who else uses a blob.
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0270b22f48b9"
down_revision = "b7d2e41c9a10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("owner_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_name", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumbnails", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'attachment')", name=op.f("ck_uploads_kind_known")),
        sa.CheckConstraint("size >= 0", name=op.f("ck_uploads_size_positive")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_uploads_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    op.create_index("ix_uploads_owner_id_created_at", "uploads", ["owner_id", "created_at"])
    op.create_index(op.f("ix_uploads_sha256"), "uploads", ["sha256"])


def downgrade() -> None:
    op.drop_index(op.f("ix_uploads_sha256"), table_name="uploads")
    op.drop_index("ix_uploads_owner_id_created_at", table_name="uploads")
    op.drop_table("uploads")
