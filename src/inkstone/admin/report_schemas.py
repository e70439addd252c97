"""Schemas of the reports API: what a reader files, what a moderator reads and decides.

Who filed a report is in the moderators' shape only (``ReportAdminFields``).
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema

from inkstone.admin.models import NOTE_MAX, REASON_MAX, ReportStatus, ReportTarget, Resolution
from inkstone.admin.report_services import ReportEntry
from inkstone.articles.models import SLUG_MAX
from inkstone.core.db.ids import ID_MAX
from inkstone.core.schemas import InputSchema, OutputSchema, PageQuery, TextOrEmpty, Timestamp


class ReportTargetIn(InputSchema):
    article = String(validate=Length(1, SLUG_MAX), metadata={"description": "An article's slug."})
    comment = Integer(
        strict=True, validate=Range(1, ID_MAX), metadata={"description": "A comment's id."}
    )
    guestbook_message = Integer(
        strict=True,
        validate=Range(1, ID_MAX),
        data_key="guestbookMessage",
        metadata={"description": "A guestbook message's id."},
    )

    @validates_schema
    def exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse a report naming no item, or more than one."""
        if len(data) != 1:
            raise ValidationError(
                "name exactly one of article, comment, guestbookMessage", "_schema"
            )


class ReportIn(InputSchema):
    report = Nested(ReportTargetIn, required=True)
    reason = String(required=True, validate=Length(1, REASON_MAX))


class ReportFields(Schema):
    id = String(required=True, metadata={"description": "The report's id (a 64-bit integer)."})
    target_type = String(
        required=True, data_key="targetType", metadata={"enum": [t.value for t in ReportTarget]}
    )
    target_id = String(required=True, data_key="targetId")
    excerpt = String(required=True, metadata={"description": "How the item started."})
    reason = String(required=True)
    status = String(required=True, metadata={"enum": [s.value for s in ReportStatus]})
    created_at = Timestamp(required=True, data_key="createdAt")


class ReportOut(OutputSchema):
    report = Nested(ReportFields, required=True)


class ReportAdminFields(ReportFields):
    reporter = String(
        required=True, allow_none=True, metadata={"description": "`null`: account deleted."}
    )
    target_author = String(required=True, allow_none=True, data_key="targetAuthor")
    target_slug = String(
        required=True,
        allow_none=True,
        data_key="articleSlug",
        metadata={"description": "The article (of a comment: the one it is under), if there."},
    )
    resolution = String(
        required=True, allow_none=True, metadata={"enum": [r.value for r in Resolution]}
    )
    note = TextOrEmpty(required=True)
    resolved_by = String(required=True, allow_none=True, data_key="resolvedBy")
    resolved_at = Timestamp(required=True, allow_none=True, data_key="resolvedAt")


class ReportAdminOut(OutputSchema):
    report = Nested(ReportAdminFields, required=True)


class ReportListOut(OutputSchema):
    reports = List(Nested(ReportAdminFields), required=True)
    reports_count = Integer(required=True, data_key="reportsCount")


class ResolvedOut(OutputSchema):
    reports = List(
        Nested(ReportFields),
        required=True,
        metadata={"description": "Every report of the item that this resolved."},
    )


class ReportQuery(PageQuery):
    status = String(
        validate=OneOf([s.value for s in ReportStatus]),
        metadata={"description": "Only reports in this state (default: all, open ones first)."},
    )
    type = String(
        validate=OneOf([t.value for t in ReportTarget]),
        metadata={"description": "Only reports of this kind of item."},
    )


class ResolveIn(InputSchema):
    action = String(required=True, validate=OneOf([r.value for r in Resolution]))
    note = String(load_default="", validate=Length(0, NOTE_MAX))


def report_fields(report: Any) -> dict[str, Any]:
    """Return the public fields of a report (ids as strings)."""
    return {
        "id": str(report.id),
        "target_type": report.target_type,
        "target_id": str(report.target_id),
        "excerpt": report.excerpt,
        "reason": report.reason,
        "status": report.status,
        "created_at": report.created_at,
    }


def report_admin_fields(entry: ReportEntry) -> dict[str, Any]:
    """Return what moderators read of a report."""
    report = entry.report
    return {
        **report_fields(report),
        "reporter": entry.reporter,
        "target_author": entry.author,
        "target_slug": entry.slug,
        "resolution": report.resolution,
        "note": report.note,
        "resolved_by": entry.resolved_by,
        "resolved_at": report.resolved_at,
    }
