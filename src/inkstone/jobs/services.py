"""Job services: create and enqueue, report progress, finish, cancel, list, look up.

A job row is written in the request that asks for the work, and its task is sent to the
queue only once that request commits (``enqueue_after_commit``): a worker never looks for a
job that is not there yet. Progress is written in a short transaction of its own, so the page
watching the job sees it while the task's own work is still uncommitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, has_scope
from inkstone.auth.usernames import canonical
from inkstone.core import events
from inkstone.core.celery import enqueue_after_commit, task_named
from inkstone.core.db import like, utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Conflict, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs.liveness import WORKER_GONE_AFTER, runner_gone, this_runner
from inkstone.jobs.models import MESSAGE_MAX, Job, JobStatus, WorkerHeartbeat

RESULTS_FOLDER = "jobs"  # under the instance folder: a job's files are in ``jobs/<id>/``
# A job whose worker died this many times while running it is failed, not tried again.
MAX_ATTEMPTS = 3


def results_root() -> Path:
    """Return the folder holding every job's folder (``instance/jobs``)."""
    return Path(current_app.instance_path) / RESULTS_FOLDER


def job_folder(job_id: int) -> Path:
    """Return the folder of a job's files: its upload, its result (``instance/jobs/<id>``)."""
    return results_root() / str(job_id)


def create_job(*, kind: str, owner: User | None, task: Any, params: dict[str, Any]) -> Job:
    """Add a queued job and send ``task`` (called with the job's id) once the request commits."""
    job = Job(kind=kind, owner_id=owner.id if owner else None, params=params)
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(task, job.id)
    return job


def get_job(*, job_id: int, viewer: User) -> Job:
    """Return a job its owner (or a ``jobs:manage`` holder) may see; ``NotFound`` otherwise."""
    job = db.session.get(Job, job_id) if is_possible_id(job_id) else None
    if job is None or not (job.owner_id == viewer.id or has_scope(viewer, Scope.JOBS_MANAGE)):
        raise NotFound("job not found", field="id")
    return job


def list_jobs(*, viewer: User, page: PageRequest, everyone: bool = False) -> list[Job]:
    """Return the viewer's jobs (everyone's with ``everyone`` and ``jobs:manage``), newest first."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if not (everyone and has_scope(viewer, Scope.JOBS_MANAGE)):
        query = query.where(Job.owner_id == viewer.id)
    return list(db.session.scalars(query.limit(page.limit).offset(page.offset)))


def cancel_job(*, job: Job) -> Job:
    """Cancel a queued or running job (``Conflict`` once it has finished)."""
    if job.is_finished:
        raise Conflict(f"the job has already {job.status}", field="status")
    job.status = JobStatus.CANCELLED.value
    job.finished_at = utcnow()
    job.message = "Cancelled"
    db.session.flush()
    announce_finished(job)
    return job


def announce_finished(job: Job, *, session: Session | None = None) -> None:
    """Emit ``job_finished`` for ``job``, which has just reached a final state."""
    events.job_finished.send(
        session=session, job_id=job.id, kind=job.kind, owner_id=job.owner_id, status=job.status
    )


def _own_transaction() -> Session:
    """Return a session on a connection of its own: what it commits is seen at once.

    (Under the test harness ``get_bind`` is the test's connection, so this joins its
    rolled-back transaction instead.)
    """
    return Session(bind=db.session.get_bind())


def _write(job_id: int, **values: Any) -> None:
    """Write job fields in a transaction of their own (seen at once by other requests)."""
    _write_where(job_id, None, **values)


def _write_where(job_id: int, condition: Any, **values: Any) -> None:
    with _own_transaction() as session, session.begin():
        query = update(Job).where(Job.id == job_id)
        if condition is not None:
            query = query.where(condition)
        session.execute(query.values(**values))


class RunningElsewhere(Exception):
    """The job is running in a process that is still alive: look again later."""


def start_job(*, job_id: int, runner: str | None = None) -> Job | None:
    """Mark the job running in ``runner`` (one more attempt); ``None`` if it is not to be run.

    A queued job starts with one conditional UPDATE: of two deliveries of the same task, only
    one starts it. A job already running is taken over the same way if the process running
    it is gone (a redelivery after its worker died: ``runners.runner_gone``), or failed after
    ``MAX_ATTEMPTS``; if that process is alive, ``RunningElsewhere`` is raised. Finished
    (or cancelled) jobs are not run again.
    """
    runner = runner or this_runner(None)
    if _take(job_id, runner, Job.status == JobStatus.QUEUED.value):
        return _fresh(job_id)
    current = db.session.execute(
        select(Job.status, Job.runner, Job.attempts).where(Job.id == job_id)
    ).one_or_none()
    if current is None or current.status != JobStatus.RUNNING.value:
        return None
    if not runner_gone(current.runner):
        raise RunningElsewhere(f"job {job_id} is running in {current.runner}")
    if current.attempts >= MAX_ATTEMPTS:
        fail_job(job_id=job_id, error=stopped_too_often(current.attempts))
        return None
    same_runner = Job.runner.is_(None) if current.runner is None else Job.runner == current.runner
    condition = (Job.status == JobStatus.RUNNING.value) & same_runner
    return _fresh(job_id) if _take(job_id, runner, condition) else None


def stopped_too_often(attempts: int) -> str:
    """Return the error of a job whose worker stopped ``attempts`` times while running it."""
    return f"the worker running this job stopped {attempts} times; giving up"


def _take(job_id: int, runner: str, condition: Any) -> bool:
    with _own_transaction() as session, session.begin():
        taken = session.execute(
            update(Job)
            .where(Job.id == job_id, condition)
            .values(
                status=JobStatus.RUNNING.value,
                started_at=utcnow(),
                attempts=Job.attempts + 1,
                runner=runner,
            )
        )
    return bool(getattr(taken, "rowcount", 0))


def _fresh(job_id: int) -> Job | None:
    job = db.session.get(Job, job_id)
    if job is not None:
        db.session.refresh(job)
    return job


def requeue_job(*, job_id: int, runner: str) -> None:
    """Put a job ``runner`` was running back in the queue (its task is about to be retried)."""
    _write_where(
        job_id,
        (Job.status == JobStatus.RUNNING.value) & (Job.runner == runner),
        status=JobStatus.QUEUED.value,
        runner=None,
        message="Waiting to try again",
    )


def report_progress(*, job: Job, percent: int, message: str = "") -> bool:
    """Publish progress (0 to 100 percent); ``False`` if the job was cancelled or deleted meanwhile.

    (A job is deleted with its owner's account: the work then stops as if cancelled.)
    """
    percent = max(0, min(100, int(percent)))
    _write(job.id, progress=percent, message=message[:MESSAGE_MAX])
    status = db.session.scalar(select(Job.status).where(Job.id == job.id))
    return status is not None and status != JobStatus.CANCELLED


def finished_message(*, kind: str, summary: dict[str, Any] | None) -> str:
    """Return what a job that succeeded did, in the current language ("" if nothing to say).

    The job's stored ``message`` (the API's) is this in English; its page shows it translated.
    """
    summary = summary or {}
    if kind.startswith("import") and "created" in summary:
        return str(
            _(
                "Imported: %(created)d created, %(skipped)d skipped, %(failed)d failed",
                created=int(summary["created"]),
                skipped=int(summary.get("skipped", 0)),
                failed=int(summary.get("failed", 0)),
            )
        )
    if kind.startswith("export") and "articles" in summary:
        count = int(summary["articles"])
        return str(ngettext("Exported %(num)d article", "Exported %(num)d articles", count))
    return ""  # the status says it is done; a stale progress report must not stay


def finish_job(
    *,
    job: Job,
    summary: dict[str, Any] | None = None,
    path: str | None = None,
    filename: str | None = None,
    size: int | None = None,
) -> Job:
    """Mark a job succeeded with its summary and file (the task commits it).

    Its message becomes what it did, replacing the last progress report ("25 of 100 rows").
    """
    job.status = JobStatus.SUCCEEDED.value
    job.progress = 100
    job.finished_at = utcnow()
    job.summary = summary
    with force_locale("en"):
        job.message = finished_message(kind=job.kind, summary=summary)[:MESSAGE_MAX]
    job.result_path, job.result_filename, job.result_size = path, filename, size
    db.session.flush()
    announce_finished(job)
    return job


def fail_job(*, job_id: int, error: str) -> None:
    """Mark a job failed with a reason (in its own transaction: the task's was rolled back)."""
    with _own_transaction() as session, session.begin():
        values = {"error": error[:2000], "finished_at": utcnow(), "message": "Failed"}
        session.execute(
            update(Job).where(Job.id == job_id).values(status=JobStatus.FAILED.value, **values)
        )
        job = session.get(Job, job_id)
        if job is not None:
            announce_finished(job, session=session)


def beat(*, hostname: str) -> None:
    """Record that the worker ``hostname`` is alive now."""
    with _own_transaction() as session, session.begin():
        changed = session.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.hostname == hostname)
            .values(seen_at=utcnow())
        )
        if not getattr(changed, "rowcount", 0):
            session.add(WorkerHeartbeat(hostname=hostname, seen_at=utcnow()))


def worker_alive() -> bool:
    """Tell whether any worker has said it is alive lately."""
    newest = db.session.scalar(
        select(WorkerHeartbeat.seen_at).order_by(WorkerHeartbeat.seen_at.desc()).limit(1)
    )
    return newest is not None and utcnow() - newest <= WORKER_GONE_AFTER


# --------------------------------------------------------------------------- the back office


def search_jobs(
    *,
    page: PageRequest,
    status: str | None = None,
    kind: str | None = None,
    owner: str | None = None,
) -> list[tuple[Job, str | None]]:
    """Return one page of everyone's jobs with their owners' usernames, newest first.

    ``kind`` matches the kind or its family (``export`` finds ``export.csv``); ``owner`` is a
    username (in any case); an unknown one matches nothing.
    """
    query = (
        select(Job, User.username)
        .outerjoin(User, User.id == Job.owner_id)
        .order_by(Job.created_at.desc(), Job.id.desc())
    )
    if status:
        query = query.where(Job.status == status)
    if kind:
        query = query.where(
            or_(Job.kind == kind, Job.kind.like(like.prefix(f"{kind}."), like.ESCAPE))
        )
    if owner:
        query = query.where(User.username_key == canonical(owner))
    rows = db.session.execute(query.limit(page.limit).offset(page.offset))
    return [(job, username) for job, username in rows]


def find_job(*, job_id: int) -> Job:
    """Return any job by id (the back office's); ``NotFound`` for none (or an impossible id)."""
    job = db.session.get(Job, job_id) if is_possible_id(job_id) else None
    if job is None:
        raise NotFound("job not found", field="id")
    return job


def job_owner(job: Job) -> User | None:
    """Return the account a job belongs to (``None``: the system's, or gone)."""
    return db.session.get(User, job.owner_id) if job.owner_id is not None else None


def cancel_job_for(*, job: Job, actor: User) -> Job:
    """Cancel anyone's job as ``actor`` (a ``jobs:manage`` holder), and log it."""
    cancel_job(job=job)
    record_event(
        Event.JOB_CANCELLED, user=job_owner(job), actor=actor, job=str(job.id), kind=job.kind
    )
    return job


def retry_job(*, job: Job, actor: User, task: str | None) -> Job:
    """Queue a failed job to run again from the start, as ``actor``, and log it.

    The job is queued afresh (its error, progress and attempts cleared) and ``task`` (the
    name of the task running its kind: ``runner.task_for``) sent once the request commits, as
    when it was created (``create_job``). ``Conflict`` for a job that has not failed, or
    whose kind no task runs any more (``task`` is ``None``).
    """
    if job.status != JobStatus.FAILED:
        raise Conflict(
            f"only a failed job can be retried; this one is {job.status}", field="status"
        )
    if task is None:
        raise Conflict(f"no task runs jobs of kind {job.kind!r}", field="kind")
    job.status = JobStatus.QUEUED.value
    job.progress = 0
    job.message = "Waiting to try again"
    job.error = None
    job.attempts = 0
    job.runner = None
    job.started_at = job.finished_at = None
    job.summary = None
    job.result_path = job.result_filename = job.result_size = None
    db.session.flush()
    enqueue_after_commit(task_named(task), job.id)
    record_event(
        Event.JOB_RETRIED, user=job_owner(job), actor=actor, job=str(job.id), kind=job.kind
    )
    return job


def queue_length() -> int:
    """Return how many jobs wait for a worker."""
    count = select(func.count(Job.id)).where(Job.status == JobStatus.QUEUED.value)
    return int(db.session.scalar(count) or 0)
