"""Upload: one file a user sent, pointing at a content-addressed blob in storage."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, BigId, utcnow
from inkstone.core.db.ids import new_id

FILENAME_MAX = 255


class UploadKind(StrEnum):
    """An image (decoded, re-encoded, with thumbnails) or an attachment (served as a download)."""

    IMAGE = "image"
    ATTACHMENT = "attachment"


_kinds = ", ".join(f"'{k.value}'" for k in UploadKind)


class Upload(Base):
    """A file its owner uploaded; the bytes live once per content (``sha256``) in storage."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_kinds})", name="kind_known"),
        CheckConstraint("size >= 0", name="size_positive"),
        Index("ix_uploads_owner_id_created_at", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    # The sha256 of the stored (re-encoded) bytes; the blob's name is derived from it.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    blob_name: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX), default="")
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    # {"96": blob name, "400": …, "1200": …} once the thumbnail task has run; {} until then.
    thumbnails: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Upload {self.id} {self.content_type} {self.size}B>"
