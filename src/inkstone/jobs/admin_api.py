"""The back office's jobs endpoints: everyone's jobs, cancel, retry, and the workers."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.liveness import list_workers
from inkstone.jobs.models import Job
from inkstone.jobs.runner import task_for
from inkstone.jobs.schemas import (
    AdminJobListOut,
    AdminJobOut,
    AdminJobQuery,
    WorkerListOut,
    admin_job_fields,
    worker_fields,
)

bp = APIBlueprint("jobs_admin_api", __name__, tag="Back office: jobs")


def _out(job: Job) -> dict[str, Any]:
    owner = services.job_owner(job)
    return {"job": admin_job_fields(job, owner.username if owner is not None else None)}


@bp.get("/admin/jobs")
@token_required
@require_scope(Scope.JOBS_MANAGE)
@bp.input(AdminJobQuery, location="query", arg_name="query")
@bp.output(AdminJobListOut)
@bp.doc(responses=[403], operation_id="AdminListJobs")
def list_jobs(query: dict[str, Any]) -> dict[str, Any]:
    """List everyone's jobs

    Newest first; needs the `jobs:manage` permission. Filter by `status`, `kind` (a kind or
    its family: `export` finds `export.csv`) and `owner` (a username); page with `limit` and
    `offset`. A page shorter than `limit` is the last.
    """
    rows = services.search_jobs(
        page=PageRequest.from_query(query),
        status=query.get("status"),
        kind=query.get("kind"),
        owner=query.get("owner"),
    )
    return {"jobs": [admin_job_fields(job, owner) for job, owner in rows]}


@bp.post("/admin/jobs/<int:job_id>/cancel")
@token_required
@require_scope(Scope.JOBS_MANAGE)
@bp.output(AdminJobOut)
@bp.doc(responses=[403, 404, 409], operation_id="AdminCancelJob")
def cancel_job(job_id: int) -> dict[str, Any]:
    """Cancel anyone's job

    Needs the `jobs:manage` permission. A queued job never runs; a running one stops at its
    next progress report. A job that has finished gives 409. Logged as `job.cancelled`.
    """
    job = services.cancel_job_for(job=services.find_job(job_id=job_id), actor=signed_in_user())
    db.session.commit()
    return _out(job)


@bp.post("/admin/jobs/<int:job_id>/retry")
@token_required
@require_scope(Scope.JOBS_MANAGE)
@bp.output(AdminJobOut)
@bp.doc(responses=[403, 404, 409], operation_id="AdminRetryJob")
def retry_job(job_id: int) -> dict[str, Any]:
    """Retry a failed job

    Needs the `jobs:manage` permission. The job is queued again from the start and its task
    sent to the workers; a job that has not failed gives 409. Logged as `job.retried`.
    """
    job = services.find_job(job_id=job_id)
    services.retry_job(job=job, actor=signed_in_user(), task=task_for(job.kind))
    db.session.commit()
    db.session.refresh(job)  # a task run at once (no queue in between) has moved it on
    return _out(job)


@bp.get("/admin/workers")
@token_required
@require_scope(Scope.JOBS_MANAGE)
@bp.output(WorkerListOut)
@bp.doc(responses=[403], operation_id="AdminListWorkers")
def workers() -> dict[str, Any]:
    """List the job workers

    Needs the `jobs:manage` permission. Every worker that sent a heartbeat (alive when heard
    in the last 45 seconds) and every process running a job, with how many jobs it runs, and
    how many jobs wait in the queue.
    """
    return {
        "workers": [worker_fields(worker) for worker in list_workers()],
        "queue_length": services.queue_length(),
    }
