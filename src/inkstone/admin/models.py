"""Reports: readers flag an article, a comment or a guestbook message for the moderators."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, BigId, utcnow

REASON_MAX = 500
NOTE_MAX = 500
EXCERPT_MAX = 300


class ReportTarget(StrEnum):
    """What can be reported."""

    ARTICLE = "article"
    COMMENT = "comment"
    GUESTBOOK = "guestbook"


class ReportStatus(StrEnum):
    """Where a report is."""

    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    """What a moderator did about a report."""

    DISMISS = "dismiss"
    HIDE = "hide"
    DELETE = "delete"
    SUSPEND = "suspend"


_targets = ", ".join(f"'{t.value}'" for t in ReportTarget)
_statuses = ", ".join(f"'{s.value}'" for s in ReportStatus)


class Report(Base):
    """One reader's report of one item, open until a moderator resolves it.

    The item may be gone by then (deleted by its author): the report keeps what it was
    (``excerpt``) and whose it was (``target_author_id``).
    """

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(f"target_type IN ({_targets})", name="target_known"),
        CheckConstraint(f"status IN ({_statuses})", name="status_known"),
        Index("ix_reports_status_created_at_id", "status", "created_at", "id"),
        Index("ix_reports_target", "target_type", "target_id"),
        # One open report per reporter and item.
        Index(
            "uq_reports_open_per_reporter",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigId)
    target_author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_MAX), default="")
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.OPEN.value)
    resolution: Mapped[str | None] = mapped_column(String(16), default=None)
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.target_type}:{self.target_id} {self.status}>"
