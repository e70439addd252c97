"""Jobs pages: your jobs, and one job with a live progress bar, its error or its file."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from inkstone.auth.signin import signed_in_web_user
from inkstone.core.errors import Conflict
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs import delivery, services
from inkstone.jobs.models import Job, JobStatus
from inkstone.jobs.schemas import JobOut, job_fields
from inkstone.web.paging import requested_page

bp = Blueprint("jobs", __name__, template_folder="templates")

JOBS_PER_PAGE = 20
# The failed rows of an import shown on its page; the API has all the report keeps.
FAILURES_SHOWN = 20

# What each kind of job is, in words (an unknown kind shows as it is stored). A feature above
# names its own kinds with ``name_kind``.
KIND_LABELS: dict[str, Any] = {
    "export.csv": _l("CSV export"),
    "export.xlsx": _l("Excel export"),
    "export.pdf": _l("PDF export"),
    "export": _l("Export"),
    "import.csv": _l("Import"),
    "import.zip": _l("Import"),
    "import": _l("Import"),
    "audit": _l("Audit log export"),
}


def name_kind(kind: str, label: Any) -> None:
    """Say what jobs of ``kind`` are, in words (a lazy translation), for the jobs pages."""
    KIND_LABELS[kind] = label


# Each status as the pages show it: a label and a Bootstrap colour.
STATUS_LABELS: dict[str, Any] = {
    JobStatus.QUEUED: _l("Queued"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.SUCCEEDED: _l("Done"),
    JobStatus.FAILED: _l("Failed"),
    JobStatus.CANCELLED: _l("Cancelled"),
}
STATUS_COLOURS = {
    JobStatus.QUEUED: "secondary",
    JobStatus.RUNNING: "primary",
    JobStatus.SUCCEEDED: "success",
    JobStatus.FAILED: "danger",
    JobStatus.CANCELLED: "dark",
}


def _job(job_id: int) -> Job:
    return services.get_job(
        job_id=job_id, viewer=signed_in_web_user()
    )  # NotFound: not yours, or no such id


def _waiting_for_worker(jobs: list[Job]) -> bool:
    """Tell whether a job waits on a worker that is not there (checked only when one waits)."""
    return any(not job.is_finished for job in jobs) and not services.worker_alive()


def kind_label(kind: str) -> str:
    """Return a job's kind in the reader's language: ``export.csv`` is "CSV export"."""
    label = KIND_LABELS.get(kind) or KIND_LABELS.get(kind.partition(".")[0])
    return str(label) if label is not None else kind


def outcome(job: Job) -> str:
    """Return what a job that succeeded did, in the reader's language ("" if nothing to say)."""
    if job.status != JobStatus.SUCCEEDED:
        return ""
    return services.finished_message(kind=job.kind, summary=job.summary)


def import_report(job: Job) -> dict[str, Any] | None:
    """Return the report an import page shows: its counts and its first failed rows."""
    summary = job.summary or {}
    if job.status != JobStatus.SUCCEEDED or not job.kind.startswith("import"):
        return None
    errors = [error for error in summary.get("errors") or [] if isinstance(error, dict)]
    failed = int(summary.get("failed", len(errors)))
    shown = errors[:FAILURES_SHOWN]
    return {
        "created": int(summary.get("created", 0)),
        "skipped": int(summary.get("skipped", 0)),
        "failed": failed,
        "errors": shown,
        "more": max(0, failed - len(shown)),  # beyond those the page or the report keeps
    }


def _context() -> dict[str, Any]:
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    return {"status_labels": labels, "status_colours": STATUS_COLOURS, "kind_label": kind_label}


@bp.get("/jobs")
@login_required
def index() -> ResponseReturnValue:
    """List your jobs, newest first, warning when no worker is there to run them."""
    number, page = requested_page(JOBS_PER_PAGE)
    window = PageRequest(limit=page.limit + 1, offset=page.offset)
    jobs = services.list_jobs(viewer=signed_in_web_user(), page=window)
    if number > 1 and not jobs:
        abort(404)
    more = len(jobs) > page.limit
    jobs = jobs[: page.limit]
    return render_template(
        "jobs/index.html",
        jobs=jobs,
        page=number,
        more=more,
        no_worker=_waiting_for_worker(jobs),
        **_context(),
    )


@bp.get("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int) -> ResponseReturnValue:
    """Show one job: a live progress bar, then its error, its file or its import report."""
    job = _job(job_id)
    return render_template(
        "jobs/job.html",
        job=job,
        outcome=outcome(job),
        report=import_report(job),
        no_worker=_waiting_for_worker([job]),
        **_context(),
    )


@bp.get("/jobs/<int:job_id>.json")
@login_required
def job_json(job_id: int) -> ResponseReturnValue:
    """Answer the job as the API shapes it (the page polls this without EventSource)."""
    body: dict[str, Any] = JobOut().dump({"job": job_fields(_job(job_id))})
    return body


@bp.get("/jobs/<int:job_id>/events")
@login_required
def job_events(job_id: int) -> Response:
    """Stream the job's progress as Server-Sent Events (the page's EventSource)."""
    return delivery.event_stream(_job(job_id))


@bp.get("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response:
    """Download the file a job made."""
    return delivery.download(_job(job_id))


@bp.post("/jobs/<int:job_id>/cancel")
@login_required
def cancel(job_id: int) -> ResponseReturnValue:
    """Cancel a job that has not finished."""
    job = _job(job_id)
    try:
        services.cancel_job(job=job)
    except Conflict:
        flash(_("This job has already finished: there is nothing to cancel."), "warning")
    else:
        db.session.commit()
        flash(_("The job was cancelled."), "info")
    return redirect(url_for("jobs.job_page", job_id=job_id), code=303)
