"""Exports endpoint: ask for your articles (or everyone's) as a CSV, XLSX or PDF file."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.extensions import db
from inkstone.jobs import exports
from inkstone.jobs.export_schemas import ExportIn
from inkstone.jobs.schemas import JobOut, job_fields

bp = APIBlueprint("export_api", __name__, tag="Exports")


@bp.post("/exports")
@token_required
@bp.input(ExportIn, arg_name="body")
@bp.output(JobOut, status_code=202)
@bp.doc(responses=[403, 413], operation_id="CreateExport")
def create_export(body: dict[str, Any]) -> dict[str, Any]:
    """Export articles to a file

    Starts a job and answers it at once; follow it at `/jobs/{id}` (or its `events`), then
    download its `result.url`. `scope` `mine` (the default) exports your own articles,
    drafts included; `all` exports every published article and needs the
    `articles:moderate` permission. The CSV is UTF-8 with a BOM, with the columns `slug,
    title, description, body, tags, published, created_at, updated_at, author`: the format
    imports read. A PDF of more text than a worker can hold (20 million characters) gives
    422: export CSV or XLSX instead.
    """
    fields = body["export"]
    job = exports.start_export(
        owner=signed_in_user(), format=fields["format"], scope=fields["scope"]
    )
    db.session.commit()
    return {"job": job_fields(job)}
