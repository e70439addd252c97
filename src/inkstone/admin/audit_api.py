"""The back office's audit log endpoints: the filtered log, and exporting it as CSV (a job)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Date, Dict, List, Nested, String
from apiflask.validators import Length, OneOf

from inkstone.admin.audit_export import make_filters, start_audit_export
from inkstone.auth.access import require_scope
from inkstone.auth.audit import Event, LoggedEvent, audit_log
from inkstone.auth.audit_text import sentence
from inkstone.auth.models import USERNAME_MAX
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.pagination import PageRequest
from inkstone.core.schemas import InputSchema, OutputSchema, PageQuery, Timestamp
from inkstone.extensions import db
from inkstone.jobs.schemas import JobOut, job_fields

bp = APIBlueprint("admin_audit_api", __name__, tag="Audit log")

EVENT_NAMES = [event.value for event in Event]
_NAME = Length(1, USERNAME_MAX * 4)


class AuditFilterFields(InputSchema):
    actor = String(validate=_NAME, metadata={"description": "Only what this username did."})
    user = String(validate=_NAME, metadata={"description": "Only events about this username."})
    event = String(validate=OneOf(EVENT_NAMES), metadata={"description": "Only this kind."})
    first_day = Date(
        data_key="from",
        metadata={"description": "From this day on (`YYYY-MM-DD`, UTC, inclusive)."},
    )
    last_day = Date(
        data_key="to", metadata={"description": "Up to this day (`YYYY-MM-DD`, UTC, inclusive)."}
    )


class AdminAuditQuery(PageQuery, AuditFilterFields):
    pass


class AuditExportIn(InputSchema):
    export = Nested(
        AuditFilterFields,
        load_default=dict,
        metadata={"description": "The filters of the events to export (none: every event)."},
    )


class AdminAuditEventFields(Schema):
    id = String(required=True, metadata={"description": "The event's id (a 64-bit integer)."})
    event = String(required=True, metadata={"enum": EVENT_NAMES})
    sentence = String(required=True, metadata={"description": "What happened, in words."})
    created_at = Timestamp(required=True, data_key="createdAt")
    user = String(
        required=True, allow_none=True, metadata={"description": "The account it is about."}
    )
    actor = String(
        required=True,
        allow_none=True,
        metadata={"description": "Who did it, when someone else did; else `null`."},
    )
    ip = String(required=True)
    user_agent = String(required=True, data_key="userAgent")
    detail = Dict(required=True, metadata={"description": "What else is known, by kind."})


class AdminAuditListOut(OutputSchema):
    audit_events = List(Nested(AdminAuditEventFields), required=True, data_key="auditEvents")


def _fields(event: LoggedEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "event": event.event,
        "sentence": sentence(event),
        "created_at": event.created_at,
        "user": event.user,
        "actor": event.actor,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "detail": event.detail,
    }


def _filters(fields: dict[str, Any]) -> Any:
    return make_filters(
        user=fields.get("user"),
        actor=fields.get("actor"),
        event=fields.get("event"),
        first_day=fields.get("first_day"),
        last_day=fields.get("last_day"),
    )


@bp.get("/admin/audit")
@token_required
@require_scope(Scope.USERS_READ)
@bp.input(AdminAuditQuery, location="query", arg_name="query")
@bp.output(AdminAuditListOut)
@bp.doc(responses=[403], operation_id="AdminListAuditEvents")
def list_events(query: dict[str, Any]) -> dict[str, Any]:
    """List the audit log

    Newest first, each event with a sentence saying what happened; needs the `users:read`
    permission. Filter by `actor` (who did it), `user` (whom it is about), `event` (a kind),
    `from` and `to` (days, UTC, both inclusive); a username that names no one matches
    nothing. Page with `limit` and `offset`; a page shorter than `limit` is the last.
    """
    filters = _filters(query)
    if filters.nobody:
        return {"audit_events": []}
    events = audit_log(page=PageRequest.from_query(query), **filters.query())
    return {"audit_events": [_fields(event) for event in events]}


@bp.post("/admin/audit/exports")
@token_required
@require_scope(Scope.USERS_READ)
@bp.input(AuditExportIn, arg_name="body")
@bp.output(JobOut, status_code=202)
@bp.doc(responses=[403, 413], operation_id="AdminExportAuditLog")
def export_events(body: dict[str, Any]) -> dict[str, Any]:
    """Export the audit log as CSV

    Needs the `users:read` permission. Starts a job and answers it at once; follow it at
    `/jobs/{id}`, then download its `result.url`. The filters are those of
    `GET /admin/audit`. The CSV (UTF-8 with a BOM) has the columns `time, event, what, user,
    actor, ip, user_agent, detail`, newest first; a cell starting with `=`, `+`, `-` or `@`
    is written after a `'`. Logged as `audit.exported`.
    """
    job = start_audit_export(actor=signed_in_user(), filters=_filters(body["export"]))
    db.session.commit()
    db.session.refresh(job)  # a task run at once (no queue in between) has moved it on
    return {"job": job_fields(job)}
