"""Keeping job results for a while, and picking up jobs a dead worker left running.

``purge_results`` (``inkstone.jobs.purge_results``, run daily by ``celery beat``) deletes the
folder ``instance/jobs/<id>/`` of every job finished more than ``JOB_RESULT_RETENTION_DAYS``
ago, and clears its ``result_*`` fields: the API then shows ``result: null`` and a message
saying the file was removed.

``remove_results`` (``inkstone.jobs.remove_results``) removes at once the folders of jobs
deleted with their owner's account (``jobs.cleanup``), sent once that deletion commits.

``recover_jobs`` runs when a worker is ready (``worker_ready``), and every
``JOB_RECOVER_SECONDS`` (15 s; ``inkstone.jobs.recover``, by Celery beat). A worker killed in
the middle of a job (SIGKILL, out of memory, a lost machine) leaves the job ``running``; with
the SQLite broker of the embedded mode its message is never delivered again (kombu's
SQLAlchemy transport has no visibility timeout), and Redis hands it out again only after its
visibility timeout (``core.celery.VISIBILITY_TIMEOUT``, 10 minutes). So such jobs are
requeued (their ``.part`` files removed), or failed after ``services.MAX_ATTEMPTS``: those
whose recorded runner process is gone (``runners``: on this machine, the process no longer
exists; elsewhere, its worker's heartbeat is older than ``WORKER_GONE_AFTER``), and those
that name none only when no *other* worker has been seen lately (it could be running there).
Where the broker redelivers the task instead (Redis, or a pool process lost),
``services.start_job`` takes the job over the same way.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import structlog
from celery import shared_task
from celery.signals import worker_ready
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from inkstone.core.celery import RETRIED_ON_DATABASE_ERRORS, enqueue_after_commit
from inkstone.core.db import utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.liveness import WORKER_GONE_AFTER, runner_gone
from inkstone.jobs.models import FINISHED, Job, JobStatus, WorkerHeartbeat
from inkstone.jobs.runner import task_for

log = structlog.get_logger(__name__)

PURGE_TASK = "inkstone.jobs.purge_results"
RECOVER_TASK = "inkstone.jobs.recover"
REMOVE_TASK = "inkstone.jobs.remove_results"


def removed_message(days: int) -> str:
    """Return the message a job shows once its file was removed."""
    return f"The file was removed after {days} day{'s' if days != 1 else ''}"


# --------------------------------------------------------------------------- retention


def purge_old_results(*, days: int) -> int:
    """Delete the files of jobs finished more than ``days`` ago; return how many jobs lost one.

    Folders of jobs that no longer exist (their owner's account went) are removed too, once
    they are as old as that.
    """
    cutoff = utcnow() - timedelta(days=days)
    root = services.results_root()
    old = db.session.scalars(
        select(Job).where(
            Job.status.in_([status.value for status in FINISHED]), Job.finished_at < cutoff
        )
    )
    purged = 0
    for job in old:
        folder = root / str(job.id)
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        if job.result_path is not None or job.result_filename is not None:
            job.result_path = job.result_filename = job.result_size = None
            job.message = removed_message(days)
            purged += 1
    db.session.flush()
    if root.is_dir():
        known = {str(job_id) for job_id in db.session.scalars(select(Job.id))}
        for folder in root.iterdir():
            if folder.name in known or not folder.is_dir():
                continue
            # Not a job (any more); a job being created now has a fresh folder: keep those.
            if utcnow().timestamp() - folder.stat().st_mtime > days * 86400:
                shutil.rmtree(folder, ignore_errors=True)
    return purged


@shared_task(name=PURGE_TASK)  # type: ignore[untyped-decorator]  # Celery is untyped
def purge_results() -> int:
    """Delete job result files older than ``JOB_RESULT_RETENTION_DAYS`` (daily, by beat)."""
    days = int(current_app.config["JOB_RESULT_RETENTION_DAYS"])
    purged = purge_old_results(days=days)
    log.info("jobs.results_purged", jobs=purged, days=days)
    return purged


def remove_job_folders(*, job_ids: Iterable[int]) -> list[int]:
    """Remove the folders of the jobs ``job_ids`` that no longer exist; return whose went.

    A job still in the database keeps its folder. Only a folder named by a job id right
    under ``services.results_root()`` is ever touched.
    """
    wanted = {int(job_id) for job_id in job_ids if is_possible_id(int(job_id))}
    if not wanted:
        return []
    alive = set(db.session.scalars(select(Job.id).where(Job.id.in_(wanted))))
    root = services.results_root()
    removed = []
    for job_id in sorted(wanted - alive):
        folder = root / str(job_id)
        if folder.is_symlink():  # never followed: what it points at is not ours
            folder.unlink()
        elif folder.is_dir():
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile by another run
                shutil.rmtree(folder)
        else:
            continue
        removed.append(job_id)
    return removed


@shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
    name=REMOVE_TASK,
    **RETRIED_ON_DATABASE_ERRORS,
)
def remove_results(job_ids: list[int]) -> list[int]:
    """Remove the result folders of deleted jobs (their owner's account went); idempotent."""
    removed = remove_job_folders(job_ids=job_ids)
    log.info("jobs.results_removed", jobs=len(removed))
    return removed


# --------------------------------------------------------------------------- recovery


def other_worker_alive(*, hostname: str) -> bool:
    """Tell whether a worker other than ``hostname`` has said it is alive lately."""
    since = utcnow() - WORKER_GONE_AFTER
    seen = db.session.scalar(
        select(WorkerHeartbeat.hostname)
        .where(WorkerHeartbeat.hostname != hostname, WorkerHeartbeat.seen_at >= since)
        .limit(1)
    )
    return seen is not None


def recover_jobs(*, hostname: str) -> list[tuple[int, str]]:
    """Requeue (or fail) the jobs left ``running``; return ``(job id, task name)`` to send.

    The caller commits, then sends the tasks. A job is recovered when the process running it
    is gone (``runners.runner_gone``); one that names no runner only when no other worker is
    alive (it could be running there).
    """
    others_alive = other_worker_alive(hostname=hostname)
    to_send: list[tuple[int, str]] = []
    running = db.session.scalars(select(Job).where(Job.status == JobStatus.RUNNING.value))
    stuck = [
        job for job in running if (runner_gone(job.runner) if job.runner else not others_alive)
    ]
    for job in stuck:
        for part in services.job_folder(job.id).glob("*.part"):
            part.unlink(missing_ok=True)
        task = task_for(job.kind)
        if task is None or job.attempts >= services.MAX_ATTEMPTS:
            job.status = JobStatus.FAILED.value
            job.finished_at = utcnow()
            job.message = "Failed"
            job.error = (
                f"its worker stopped during each of {job.attempts} attempts"
                if task is not None
                else "its worker stopped while it was running"
            )
            services.announce_finished(job)
        else:
            job.status = JobStatus.QUEUED.value
            job.runner = None
            job.progress = 0
            job.message = "Queued again: its worker stopped"
            to_send.append((job.id, task))
    db.session.flush()
    return to_send


def _requeue(to_send: list[tuple[int, str]]) -> None:
    """Send the recovered jobs' tasks once the recovery commits (through the outbox)."""
    tasks = current_app.extensions["celery"].tasks
    for job_id, task in to_send:
        enqueue_after_commit(tasks[task], job_id)
        log.info("jobs.requeued", job_id=job_id, task=task)


@shared_task(name=RECOVER_TASK, bind=True)  # type: ignore[untyped-decorator]  # Celery is untyped
def recover(self: Any) -> int:
    """Requeue (or fail) the jobs a dead worker left running (Celery beat, JOB_RECOVER_SECONDS).

    A worker killed beside others that live on is noticed here, not only when a worker
    starts: its jobs wait seconds, not the broker's visibility timeout. Not retried while
    the database is away: the next look comes within ``JOB_RECOVER_SECONDS`` anyway.
    """
    try:
        to_send = recover_jobs(hostname=str(self.request.hostname or ""))
    except OperationalError as exc:
        db.session.rollback()
        log.warning("jobs.recovery_postponed", error=exc.__class__.__name__)
        return 0
    _requeue(to_send)
    return len(to_send)


def recover_on_start(sender: Any = None, **_: Any) -> None:
    """On ``worker_ready``: requeue or fail the jobs a dead worker left running."""
    celery_app = sender.app
    hostname = str(getattr(sender, "hostname", "") or "")
    try:
        with celery_app.flask_app.app_context():  # set by core.celery.init_celery
            try:
                _requeue(recover_jobs(hostname=hostname))
                db.session.commit()
            finally:
                db.session.remove()
    except Exception:  # a busy database must not keep the worker from starting
        log.warning("jobs.recovery_failed", exc_info=True)


# The worker imports this module (Celery ``include``); the web app never recovers jobs.
worker_ready.connect(recover_on_start, weak=False)
