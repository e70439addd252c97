"""The back office's jobs pages (a small built-in Flower): everyone's jobs, one job, workers.

Registered by the jobs package itself (``init_app``), with its item in the back office's
menu (``NavItem(menu="admin")``): the engine knows nothing of the ``admin`` package above it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _

from inkstone.auth.access import require_scope
from inkstone.auth.models import USERNAME_MAX
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import signed_in_web_user
from inkstone.core.errors import Conflict
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.liveness import WORKER_GONE_AFTER, list_workers
from inkstone.jobs.models import KIND_MAX
from inkstone.jobs.runner import task_for
from inkstone.jobs.schemas import STATUSES
from inkstone.jobs.views import STATUS_COLOURS, STATUS_LABELS, kind_label
from inkstone.web.paging import query_filter, requested_page

bp = Blueprint("jobs_admin", __name__, url_prefix="/admin", template_folder="templates")

JOBS_PER_PAGE = 50


def _filters() -> dict[str, str]:
    """Return the list's filters from the query string; a value that cannot match is dropped."""
    status = query_filter("status")
    kind = query_filter("kind")
    owner = query_filter("owner")
    return {
        "status": status if status in STATUSES else "",
        "kind": kind if len(kind) <= KIND_MAX else "",
        "owner": owner if len(owner) <= USERNAME_MAX * 4 else "",
    }


def _context() -> dict[str, Any]:
    labels = {status: str(label) for status, label in STATUS_LABELS.items()}
    return {
        "status_labels": labels,
        "status_colours": STATUS_COLOURS,
        "kind_label": kind_label,
        "section": "jobs_admin.index",
    }


@bp.get("/jobs")
@require_scope(Scope.JOBS_MANAGE)
def index() -> ResponseReturnValue:
    """List everyone's jobs, newest first, filtered by status, kind and owner."""
    number, page = requested_page(JOBS_PER_PAGE)
    filters = _filters()
    rows = services.search_jobs(
        page=PageRequest(limit=page.limit + 1, offset=page.offset),
        status=filters["status"] or None,
        kind=filters["kind"] or None,
        owner=filters["owner"] or None,
    )
    if number > 1 and not rows:
        abort(404)
    return render_template(
        "jobs/admin/index.html",
        rows=rows[: page.limit],
        more=len(rows) > page.limit,
        page=number,
        filters=filters,
        params={key: value for key, value in filters.items() if value},
        statuses=STATUSES,
        queued=services.queue_length(),
        **_context(),
    )


@bp.get("/jobs/<int:job_id>")
@require_scope(Scope.JOBS_MANAGE)
def job_page(job_id: int) -> ResponseReturnValue:
    """Show one job: what it was asked, its progress, error, attempts, runner and times."""
    job = services.find_job(job_id=job_id)
    owner = services.job_owner(job)
    return render_template("jobs/admin/job.html", job=job, owner=owner, **_context())


@bp.post("/jobs/<int:job_id>/cancel")
@require_scope(Scope.JOBS_MANAGE)
def cancel(job_id: int) -> ResponseReturnValue:
    """Cancel anyone's job that has not finished."""
    job = services.find_job(job_id=job_id)
    try:
        services.cancel_job_for(job=job, actor=signed_in_web_user())
    except Conflict:
        db.session.rollback()
        flash(_("This job has already finished: there is nothing to cancel."), "warning")
    else:
        db.session.commit()
        flash(_("The job was cancelled."), "info")
    return redirect(url_for("jobs_admin.job_page", job_id=job_id), code=303)


@bp.post("/jobs/<int:job_id>/retry")
@require_scope(Scope.JOBS_MANAGE)
def retry(job_id: int) -> ResponseReturnValue:
    """Queue a failed job to run again."""
    job = services.find_job(job_id=job_id)
    try:
        services.retry_job(job=job, actor=signed_in_web_user(), task=task_for(job.kind))
    except Conflict:
        db.session.rollback()
        flash(_("Only a failed job can be retried."), "warning")
    else:
        db.session.commit()
        flash(_("The job was queued to run again."), "success")
    return redirect(url_for("jobs_admin.job_page", job_id=job_id), code=303)


@bp.get("/workers")
@require_scope(Scope.JOBS_MANAGE)
def workers() -> ResponseReturnValue:
    """List the job workers: name, process, last heartbeat, running jobs; the queue's length."""
    return render_template(
        "jobs/admin/workers.html",
        workers=list_workers(),
        queued=services.queue_length(),
        gone_after=int(WORKER_GONE_AFTER.total_seconds()),
        **_context(),
    )
