"""Reports API: readers file a report; moderators read the queue and resolve reports."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from apiflask import APIBlueprint
from flask import current_app, request
from flask_limiter.util import get_remote_address

from inkstone.admin import report_services
from inkstone.admin.models import ReportStatus, ReportTarget, Resolution
from inkstone.admin.report_schemas import (
    ReportIn,
    ReportListOut,
    ReportOut,
    ReportQuery,
    ResolvedOut,
    ResolveIn,
    report_admin_fields,
    report_fields,
)
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import web_user
from inkstone.auth.tokens import current_user, signed_in_user, token_required
from inkstone.core.errors import Invalid, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db, limiter

bp = APIBlueprint("reports_api", __name__, tag="Reports")
F = TypeVar("F", bound=Callable[..., Any])

# One budget per person for reporting on the site and through the API.
REPORT_SCOPE = "report"


def report_limit() -> str:
    """Return the limit on filing reports (``RATELIMIT_REPORT``)."""
    return str(current_app.config["RATELIMIT_REPORT"])


def reporter_key() -> str:
    """Count reports per person (the token's or the web session's), else per address."""
    user = current_user() if request.path.startswith("/api/") else web_user()
    return f"user:{user.id}" if user is not None else get_remote_address()


_TARGETS = {
    "article": ReportTarget.ARTICLE,
    "comment": ReportTarget.COMMENT,
    "guestbook_message": ReportTarget.GUESTBOOK,
}


@bp.post("/reports")
@token_required
@limiter.shared_limit(report_limit, scope=REPORT_SCOPE, key_func=reporter_key)
@bp.input(ReportIn, arg_name="body")
@bp.output(ReportOut, status_code=201)
@bp.doc(responses=[401, 403, 409, 413, 429], operation_id="CreateReport")
def create_report(body: dict[str, Any]) -> dict[str, Any]:
    """Report an article, a comment or a guestbook message

    Name exactly one item: `{"article": "<slug>"}`, `{"comment": <id>}` or
    `{"guestbookMessage": <id>}`, with a `reason`. Moderators see who reported it; nobody
    else does. An item that does not exist or is not public (a draft), or your own, gives
    422; a second open report of the same item by you, 409. Limited per person (429).
    """
    ((name, key),) = body["report"].items()
    try:
        report = report_services.file_report(
            reporter=signed_in_user(), target=_TARGETS[name], key=key, reason=body["reason"]
        )
    except NotFound as missing:
        # The body names the item, not the path: an unknown one is bad input (422), not 404.
        raise Invalid(missing.message, field=missing.field) from None
    db.session.commit()
    return {"report": report_fields(report)}


@bp.get("/admin/reports")
@token_required
@require_scope(Scope.ARTICLES_MODERATE)
@bp.input(ReportQuery, location="query", arg_name="query")
@bp.output(ReportListOut)
@bp.doc(responses=[403], operation_id="ListReports")
def list_reports(query: dict[str, Any]) -> dict[str, Any]:
    """List reports

    Open reports first, newest first; needs the `articles:moderate` permission. Filter by
    `status` (`open`, `resolved`) and `type` (`article`, `comment`, `guestbook`); page with
    `limit` and `offset`.
    """
    status, target = query.get("status"), query.get("type")
    entries, total = report_services.list_reports(
        page=PageRequest.from_query(query),
        status=ReportStatus(status) if status else None,
        target=ReportTarget(target) if target else None,
    )
    return {"reports": [report_admin_fields(e) for e in entries], "reports_count": total}


def _report_found(view: F) -> F:
    """Answer 404 for an unknown report before reading the body (a bad body would say 422)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        report_services.get_report(report_id=kwargs["report_id"])
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.post("/admin/reports/<int:report_id>/resolve")
@token_required
@require_scope(Scope.ARTICLES_MODERATE)
@_report_found
@bp.input(ResolveIn, arg_name="body")
@bp.output(ResolvedOut)
@bp.doc(responses=[403, 404, 409, 413], operation_id="ResolveReport")
def resolve_report(report_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Resolve a report

    `action`: `dismiss` (nothing to do), `hide` (articles only), `delete` the item, or
    `suspend` its author (needs `users:manage` as well: 403 otherwise). Every open report of
    the same item is resolved with it. A report resolved already gives 409.
    """
    report = report_services.get_report(report_id=report_id)
    resolved = report_services.resolve_report(
        report=report,
        actor=signed_in_user(),
        action=Resolution(body["action"]),
        note=body.get("note", ""),
    )
    db.session.commit()
    return {"reports": [report_fields(r) for r in resolved]}
