"""Jobs endpoints: list, look at, cancel, watch (Server-Sent Events) and download a job's file."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import Response

from inkstone.auth.permissions import Scope, has_scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core import streams
from inkstone.core.errors import PermissionDenied
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs import delivery, services
from inkstone.jobs.models import Job
from inkstone.jobs.schemas import JobListOut, JobOut, JobQuery, job_fields

bp = APIBlueprint("jobs_api", __name__, tag="Jobs")

_EVENT_STREAM = streams.openapi_response(
    '`text/event-stream`: `progress` events (data: `{"job": …}`) whenever the status, '
    "progress or message changes, a final `end` event when the job has finished, and "
    "`: keep-alive` comments while nothing happens.",
    events=["progress", "end"],
    data='`{"job": …}` as JSON.',
)
_FILE: dict[str, Any] = {
    "description": "The file, as an attachment.",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


def _with_404(success: dict[str, Any]) -> Any:
    """Return ``responses`` for ``doc``: a non-JSON success, and 404 in the errors envelope."""
    return {200: success, 404: "Not Found"}


def _job(job_id: int) -> Job:
    return services.get_job(job_id=job_id, viewer=signed_in_user())


@bp.get("/jobs")
@token_required
@bp.input(JobQuery, location="query", arg_name="query")
@bp.output(JobListOut)
@bp.doc(responses=[403], operation_id="ListJobs")
def list_jobs(query: dict[str, Any]) -> dict[str, Any]:
    """List your jobs

    Newest first; page with `limit` and `offset`. With `all=true`, everyone's jobs (needs the
    `jobs:manage` permission). `workerAlive` is false when no job worker has been seen lately:
    queued jobs then wait until one starts.
    """
    user = signed_in_user()
    if query["all"] and not has_scope(user, Scope.JOBS_MANAGE):
        raise PermissionDenied("listing everyone's jobs needs jobs:manage", field="all")
    page = PageRequest.from_query(query)
    jobs = services.list_jobs(viewer=user, page=page, everyone=query["all"])
    return {"jobs": [job_fields(job) for job in jobs], "worker_alive": services.worker_alive()}


@bp.get("/jobs/<int:job_id>")
@token_required
@bp.output(JobOut)
@bp.doc(responses=[404], operation_id="GetJob")
def get_job(job_id: int) -> dict[str, Any]:
    """Get a job

    Yours, or anyone's with the `jobs:manage` permission.
    """
    return {"job": job_fields(_job(job_id))}


@bp.post("/jobs/<int:job_id>/cancel")
@token_required
@bp.output(JobOut)
@bp.doc(responses=[404, 409], operation_id="CancelJob")
def cancel_job(job_id: int) -> dict[str, Any]:
    """Cancel a job

    A queued job never runs; a running one stops at its next progress report. A job that has
    finished gives 409.
    """
    job = services.cancel_job(job=_job(job_id))
    db.session.commit()
    return {"job": job_fields(job)}


@bp.get("/jobs/<int:job_id>/events")
@token_required
@bp.doc(responses={**_with_404(_EVENT_STREAM), 429: "Too Many Requests"}, operation_id="WatchJob")
def job_events(job_id: int) -> Response:
    """Watch a job's progress

    Server-Sent Events. The stream closes after the `end` event, or after a bounded time
    (a minute by default), when an `EventSource` reconnects by itself. When the server has as
    many streams open as it allows, the answer is 429 with `Retry-After`: read
    `GET /jobs/{job_id}` instead.
    """
    return delivery.event_stream(_job(job_id))


@bp.get("/jobs/<int:job_id>/download")
@token_required
@bp.doc(responses=_with_404(_FILE), operation_id="DownloadJobResult")
def download_job(job_id: int) -> Response:
    """Download a job's file

    Only once the job has succeeded, and only while its file is kept.
    """
    return delivery.download(_job(job_id))
