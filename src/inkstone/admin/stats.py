"""The dashboard's numbers: counts, daily series, workers, the latest audit events.

Every number comes from what the database keeps in step with the rows (the ``stats.…``
counters and the ``daily_counts`` roll-up, both moved by triggers), from the handful of
worker heartbeats, or from one page of the audit log: a request never counts a table, so the
dashboard costs the same at a million articles as at ten. The page and the API share this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from sqlalchemy import bindparam, func, select

from inkstone.admin.models import ReportStatus
from inkstone.auth.audit import LoggedEvent, audit_log
from inkstone.auth.models import UserStatus
from inkstone.core.db import reads, utcnow
from inkstone.core.db.counters import daily_series, read_many
from inkstone.core.pagination import PageRequest
from inkstone.jobs.liveness import WORKER_GONE_AFTER
from inkstone.jobs.models import JobStatus, WorkerHeartbeat

SERIES_DAYS = (30, 90, 365)
DEFAULT_DAYS = SERIES_DAYS[0]
METRICS = ("signups", "articles", "comments")
ARTICLE_STATES = ("published", "drafts", "hidden")
LATEST_EVENTS = 10

_ALIVE = (
    select(func.count())
    .select_from(WorkerHeartbeat)
    .where(WorkerHeartbeat.seen_at >= bindparam("since"))
)


@dataclass(frozen=True)
class Series:
    """One metric's count on every day of a window, oldest first, zeros included."""

    metric: str
    points: list[tuple[date, int]]

    @property
    def days(self) -> int:
        """Return how many days the series covers."""
        return len(self.points)

    @cached_property
    def total(self) -> int:
        """Return the sum over the window."""
        return sum(count for _, count in self.points)

    @cached_property
    def peak(self) -> int:
        """Return the largest count of one day (0 for an empty window)."""
        return max((count for _, count in self.points), default=0)


@dataclass(frozen=True)
class Counts:
    """The site's running totals, read from the trigger-kept counters."""

    people: dict[str, int]  # every UserStatus
    articles: dict[str, int]  # published, drafts, hidden
    comments: int
    guestbook_messages: int
    uploads: int
    upload_bytes: int
    jobs: dict[str, int]  # every JobStatus
    open_reports: int
    workers_alive: int

    @property
    def jobs_waiting(self) -> int:
        """Return how many jobs are queued and not yet taken by a worker."""
        return self.jobs[JobStatus.QUEUED.value]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    counts: Counts
    days: int
    series: dict[str, Series]  # by metric, in METRICS order
    events: list[LoggedEvent]


def valid_days(value: object) -> int:
    """Return ``value`` if it is a window the dashboard offers, else the default (30)."""
    return value if isinstance(value, int) and value in SERIES_DAYS else DEFAULT_DAYS


def counts() -> Counts:
    """Return the site's totals: one read of the counters, one of the worker heartbeats."""
    found = read_many("stats.")

    def by(prefix: str, names: tuple[str, ...] | list[str]) -> dict[str, int]:
        return {name: max(found.get(f"{prefix}.{name}", 0), 0) for name in names}

    alive = reads.scalar(_ALIVE, {"since": utcnow() - WORKER_GONE_AFTER})
    return Counts(
        people=by("users", [status.value for status in UserStatus]),
        articles=by("articles", ARTICLE_STATES),
        comments=max(found.get("comments", 0), 0),
        guestbook_messages=max(found.get("guestbook", 0), 0),
        uploads=max(found.get("uploads.count", 0), 0),
        upload_bytes=max(found.get("uploads.bytes", 0), 0),
        jobs=by("jobs", [status.value for status in JobStatus]),
        open_reports=max(found.get(f"reports.{ReportStatus.OPEN.value}", 0), 0),
        workers_alive=int(alive or 0),
    )


def series(*, days: int, today: date | None = None) -> dict[str, Series]:
    """Return sign-ups, articles and comments per UTC day over the last ``days`` days.

    The window ends today (UTC) and includes it; ``days`` is one of ``SERIES_DAYS``.
    """
    if days not in SERIES_DAYS:
        raise ValueError(f"days must be one of {SERIES_DAYS}, not {days!r}")
    last = today or utcnow().date()
    first = last - timedelta(days=days - 1)
    return {
        metric: Series(metric, daily_series(metric, first=first, last=last)) for metric in METRICS
    }


def latest_events(limit: int = LATEST_EVENTS) -> list[LoggedEvent]:
    """Return the newest audit events, any kind, about anyone."""
    return audit_log(page=PageRequest(limit=limit, offset=0))


def dashboard(*, days: int = DEFAULT_DAYS, events: bool = True) -> Dashboard:
    """Return everything the dashboard shows (``events``: with the latest audit events)."""
    return Dashboard(
        counts=counts(),
        days=days,
        series=series(days=days),
        events=latest_events() if events else [],
    )
