"""Exports and imports endpoints: ask for an export, upload a file to import; a job does each."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from apiflask import APIBlueprint, abort
from flask import current_app, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.extensions import db
from inkstone.jobs.schemas import JobOut, job_fields
from inkstone.transfers import exports, imports
from inkstone.transfers.schemas import ExportIn, ImportIn

exports_bp = APIBlueprint("export_api", __name__, tag="Exports")
imports_bp = APIBlueprint("import_api", __name__, tag="Imports")


@exports_bp.post("/exports")
@token_required
@exports_bp.input(ExportIn, arg_name="body")
@exports_bp.output(JobOut, status_code=202)
@exports_bp.doc(responses=[403, 413], operation_id="CreateExport")
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


F = TypeVar("F", bound=Callable[..., Any])


def _too_large(limit: int) -> None:
    message = f"the file is larger than the limit of {limit} bytes"
    abort(413, message=message, extra_data={"errors": {"file": [message]}})


def upload_limit(view: F) -> F:
    """Allow multipart uploads up to ``IMPORT_MAX_BYTES`` (413 above); other bodies keep theirs."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.mimetype == "multipart/form-data":
            limit = int(current_app.config["IMPORT_MAX_BYTES"])
            if (request.content_length or 0) > limit:
                _too_large(limit)
            request.max_content_length = limit
            try:
                request.files  # noqa: B018  # parse now, so an over-long stream is caught here
            except RequestEntityTooLarge:
                _too_large(limit)
        elif (request.content_length or 0) > (request.max_content_length or 0) > 0:
            # Not an upload (the file will be missing), yet too large as on every route.
            raise RequestEntityTooLarge()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@imports_bp.post("/imports")
@token_required
@upload_limit
@imports_bp.input(ImportIn, location="files", arg_name="form")
@imports_bp.output(JobOut, status_code=202)
@imports_bp.doc(responses=[401, 413, 422], operation_id="CreateImport")
def create_import(form: dict[str, Any]) -> dict[str, Any]:
    """Import articles from a file

    Upload (multipart, field `file`) a CSV in the export's format or a zip of Markdown files
    with YAML front matter; a job imports them as you, and its summary reports how many were
    created, skipped (already there: same title and body) and failed, with each failure's line
    or file name and reason. The file is recognised by its content, not its name.
    """
    upload: FileStorage = form["file"]
    job = imports.start_import(owner=signed_in_user(), data=upload.stream.read())
    db.session.commit()
    db.session.refresh(job)  # a task run at once (no queue in between) has moved it on
    return {"job": job_fields(job)}
