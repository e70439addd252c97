"""Schemas of the jobs API: a job as its owner reads it, the list, and the list's query."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask import url_for

from inkstone.auth.models import USERNAME_MAX
from inkstone.core.schemas import OutputSchema, PageQuery, TextOrEmpty, Timestamp
from inkstone.jobs.liveness import Worker
from inkstone.jobs.models import KIND_MAX, Job, JobStatus

STATUSES = [status.value for status in JobStatus]


class JobQuery(PageQuery):
    all = Boolean(
        load_default=False,
        metadata={"description": "Everyone's jobs, not only yours (needs `jobs:manage`)."},
    )


class JobResultFields(Schema):
    url = String(required=True, metadata={"description": "Where to download the file."})
    filename = String(required=True)
    size = Integer(required=True, allow_none=True, metadata={"description": "In bytes."})


class JobFields(Schema):
    id = String(required=True, metadata={"description": "The job's id (a 64-bit integer)."})
    kind = String(required=True, metadata={"description": "What the job does (`export`…)."})
    status = String(required=True, metadata={"enum": STATUSES})
    progress = Integer(required=True, metadata={"description": "Percent done, 0 to 100."})
    message = TextOrEmpty(required=True, metadata={"description": "What it is doing now."})
    result = Nested(
        JobResultFields,
        required=True,
        allow_none=True,
        metadata={"description": "The file it made; `null` until it succeeds (or if none)."},
    )
    summary = Dict(
        required=True,
        allow_none=True,
        metadata={
            "description": "What it did, once it succeeded: an import's report (`created`, "
            "`skipped`, `failed`, `errors` with line and reason), an export's counts; else "
            "`null`."
        },
    )
    error = String(
        required=True, allow_none=True, metadata={"description": "Why it failed; else `null`."}
    )
    created_at = Timestamp(required=True, data_key="createdAt")
    started_at = Timestamp(required=True, allow_none=True, data_key="startedAt")
    finished_at = Timestamp(required=True, allow_none=True, data_key="finishedAt")


class JobOut(OutputSchema):
    job = Nested(JobFields, required=True)


class JobListOut(OutputSchema):
    jobs = List(Nested(JobFields), required=True)
    worker_alive = Boolean(
        required=True,
        data_key="workerAlive",
        metadata={"description": "Whether a job worker is running: queued jobs wait for one."},
    )


def job_fields(job: Job) -> dict[str, Any]:
    """Return the fields of ``job`` its owner reads; the result only once a file is there."""
    result = None
    if job.status == JobStatus.SUCCEEDED and job.result_filename:
        result = {
            "url": url_for("jobs_api.download_job", job_id=job.id),
            "filename": job.result_filename,
            "size": job.result_size,
        }
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "result": result,
        "summary": job.summary if job.status == JobStatus.SUCCEEDED else None,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


# --------------------------------------------------------------------------- the back office


class AdminJobQuery(PageQuery):
    status = String(validate=OneOf(STATUSES), metadata={"description": "Only jobs in this state."})
    kind = String(
        validate=Length(1, KIND_MAX),
        metadata={"description": "Only this kind, or this family (`export` finds `export.csv`)."},
    )
    owner = String(
        validate=Length(1, USERNAME_MAX * 4),
        metadata={"description": "Only the jobs of this username."},
    )


class AdminJobFields(JobFields):
    owner = String(
        required=True,
        allow_none=True,
        metadata={"description": "Its owner's username; `null`: the system's."},
    )
    attempts = Integer(required=True, metadata={"description": "How many times it started."})
    runner = String(
        required=True,
        allow_none=True,
        metadata={"description": "The process running it: `<worker> <machine> <pid>`."},
    )
    params = Dict(required=True, metadata={"description": "What it was asked to do."})


class AdminJobOut(OutputSchema):
    job = Nested(AdminJobFields, required=True)


class AdminJobListOut(OutputSchema):
    jobs = List(Nested(AdminJobFields), required=True)


class WorkerFields(Schema):
    name = String(required=True, metadata={"description": "Its node name, `worker1@host`."})
    host = String(required=True)
    processes = List(
        String(),
        required=True,
        metadata={"description": "`<machine> <pid>` of each process running one of its jobs."},
    )
    last_heartbeat = Timestamp(
        required=True,
        allow_none=True,
        data_key="lastHeartbeat",
        metadata={"description": "When it last said it was alive; `null`: never."},
    )
    alive = Boolean(required=True, metadata={"description": "Whether it was heard lately."})
    running_jobs = Integer(required=True, data_key="runningJobs")


class WorkerListOut(OutputSchema):
    workers = List(Nested(WorkerFields), required=True)
    queue_length = Integer(
        required=True, data_key="queueLength", metadata={"description": "Jobs waiting to run."}
    )


def admin_job_fields(job: Job, owner: str | None) -> dict[str, Any]:
    """Return the fields of anyone's job the back office reads (``owner``: a username)."""
    return {
        **job_fields(job),
        "owner": owner,
        "attempts": job.attempts,
        "runner": job.runner,
        "params": job.params or {},
    }


def worker_fields(worker: Worker) -> dict[str, Any]:
    """Return the fields of a worker the back office reads."""
    return {
        "name": worker.name,
        "host": worker.host,
        "processes": list(worker.processes),
        "last_heartbeat": worker.seen_at,
        "alive": worker.alive,
        "running_jobs": worker.running,
    }
