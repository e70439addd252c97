"""Job and WorkerHeartbeat."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inkstone.core.db import Base, utcnow
from inkstone.core.db.ids import new_id

KIND_MAX = 40
MESSAGE_MAX = 200
RUNNER_MAX = 300


class JobStatus(StrEnum):
    """Where a job is: ``queued → running → succeeded | failed | cancelled``."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
_statuses = ", ".join(f"'{s.value}'" for s in JobStatus)


class Job(Base):
    """A piece of background work a user asked for, with its progress and its outcome."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"status IN ({_statuses})", name="status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        Index("ix_jobs_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_jobs_status_created_at", "status", "created_at"),
    )

    # A snowflake: jobs are made before the task that runs them, ids sort by creation time.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(KIND_MAX))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None
    )
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(MESSAGE_MAX), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A summary of what was done (counts, a report), and the file made, if any.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    result_path: Mapped[str | None] = mapped_column(String(500), default=None)
    result_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    result_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    # "<worker node> <machine> <pid>" of the process running it (see ``services.start_job``).
    runner: Mapped[str | None] = mapped_column(String(RUNNER_MAX), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.progress}%>"

    @property
    def is_finished(self) -> bool:
        """Tell whether the job has ended, one way or another."""
        return self.status in FINISHED


class WorkerHeartbeat(Base):
    """When each job worker last said it was alive (the site warns when none has lately)."""

    __tablename__ = "worker_heartbeats"

    hostname: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.hostname} {self.seen_at:%H:%M:%S}>"
