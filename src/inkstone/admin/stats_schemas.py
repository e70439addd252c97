"""Schemas of ``GET /api/v1/admin/stats``: the dashboard's numbers for scripts and monitors."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Date, Integer, List, Nested
from apiflask.validators import OneOf

from inkstone.admin.stats import DEFAULT_DAYS, SERIES_DAYS, Dashboard
from inkstone.auth.models import UserStatus
from inkstone.core.schemas import InputSchema, OutputSchema
from inkstone.jobs.models import JobStatus

_COUNT = {"description": "A running total, kept in step with the rows by the database."}


class StatsQuery(InputSchema):
    days = Integer(
        load_default=DEFAULT_DAYS,
        validate=OneOf(SERIES_DAYS),
        metadata={
            "description": "How many days the daily series cover, ending today (UTC).",
            "enum": list(SERIES_DAYS),
        },
    )


PeopleCounts = Schema.from_dict(
    {status.value: Integer(required=True, metadata=_COUNT) for status in UserStatus},
    name="AdminStatsPeople",
)
JobCounts = Schema.from_dict(
    {status.value: Integer(required=True, metadata=_COUNT) for status in JobStatus},
    name="AdminStatsJobs",
)


class ArticleCounts(Schema):
    published = Integer(required=True, metadata={"description": "Published and not hidden."})
    drafts = Integer(required=True, metadata={"description": "Never published, not hidden."})
    hidden = Integer(required=True, metadata={"description": "Hidden by a moderator."})


class UploadCounts(Schema):
    count = Integer(required=True)
    bytes = Integer(required=True, metadata={"description": "Storage the uploads use."})


class DayCount(Schema):
    day = Date(required=True, metadata={"description": "A UTC day (`YYYY-MM-DD`)."})
    count = Integer(required=True)


class SeriesFields(Schema):
    days = Integer(required=True, metadata={"enum": list(SERIES_DAYS)})
    signups = List(
        Nested(DayCount),
        required=True,
        metadata={"description": "Accounts created each day, oldest first, zeros included."},
    )
    articles = List(
        Nested(DayCount),
        required=True,
        metadata={"description": "Articles first published each day."},
    )
    comments = List(
        Nested(DayCount), required=True, metadata={"description": "Comments posted each day."}
    )


class StatsFields(Schema):
    people = Nested(PeopleCounts, required=True, metadata={"description": "Accounts by status."})
    articles = Nested(ArticleCounts, required=True)
    comments = Integer(required=True)
    guestbook_messages = Integer(required=True, data_key="guestbookMessages")
    uploads = Nested(UploadCounts, required=True)
    jobs = Nested(JobCounts, required=True, metadata={"description": "Jobs by status."})
    open_reports = Integer(required=True, data_key="openReports")
    workers_alive = Integer(
        required=True,
        data_key="workersAlive",
        metadata={"description": "Job workers that said they were alive in the last 45 s."},
    )
    jobs_waiting = Integer(
        required=True, data_key="jobsWaiting", metadata={"description": "Jobs queued."}
    )
    series = Nested(SeriesFields, required=True)


class StatsOut(OutputSchema):
    stats = Nested(StatsFields, required=True)


def stats_document(board: Dashboard) -> dict[str, Any]:
    """Return ``board`` in the shape ``StatsOut`` dumps."""
    counts = board.counts
    return {
        "stats": {
            "people": counts.people,
            "articles": counts.articles,
            "comments": counts.comments,
            "guestbook_messages": counts.guestbook_messages,
            "uploads": {"count": counts.uploads, "bytes": counts.upload_bytes},
            "jobs": counts.jobs,
            "open_reports": counts.open_reports,
            "workers_alive": counts.workers_alive,
            "jobs_waiting": counts.jobs_waiting,
            "series": {
                "days": board.days,
                **{
                    metric: [{"day": day, "count": count} for day, count in series.points]
                    for metric, series in board.series.items()
                },
            },
        }
    }
