"""Running a job inside its Celery task: start it, let the work report, record the outcome.

The task base (``core/celery/``) gives each run an app context and commits once at the end
(rolls back on an error). This module adds what every job needs: a job that is gone,
finished or cancelled is skipped; a transient database error puts the job back in the queue
and Celery retries it with backoff; any other error, or the last failed retry, marks the job
failed with a reason. A task delivered again while its job runs in a live process (Redis
redelivers after its visibility timeout) looks again later (``RECHECK_SECONDS``); if that
process is gone, the job is taken over (``services.start_job``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from sqlalchemy.exc import OperationalError

from inkstone.core.celery import DATABASE_RETRIES, RETRIED_ON_DATABASE_ERRORS
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.liveness import this_runner
from inkstone.jobs.models import Job

RECHECK_SECONDS = 60


class JobCancelled(Exception):
    """Raised by work that notices its job was cancelled (nothing more is recorded)."""


def run_job(
    job_id: int, work: Callable[[Job], None], *, last_try: bool = True, runner: str | None = None
) -> None:
    """Run ``work(job)`` for the job ``job_id``; ``work`` reports progress and finishes it.

    ``runner`` names this process (``runners.this_runner``). Raises ``RunningElsewhere`` when
    the job runs in another live process, and ``OperationalError`` to have it retried.
    """
    runner = runner or this_runner(None)
    job = services.start_job(job_id=job_id, runner=runner)
    if job is None:
        return
    try:
        work(job)
    except JobCancelled:
        db.session.rollback()
    except OperationalError:
        db.session.rollback()
        if last_try:
            services.fail_job(job_id=job_id, error="the database was unavailable; try again")
        else:  # the retry must find it queued, not running in this very process
            services.requeue_job(job_id=job_id, runner=runner)
        raise
    except Exception as exc:
        db.session.rollback()
        services.fail_job(job_id=job_id, error=f"{type(exc).__name__}: {exc}")


# The task that runs each kind of job (``export.csv`` → ``export``), as job kinds register.
KIND_TASKS: dict[str, str] = {}


def task_for(kind: str) -> str | None:
    """Return the name of the task that runs a job of ``kind`` (``export.csv``), if known."""
    return KIND_TASKS.get(kind.partition(".")[0])


def job_task(name: str, *, kind: str) -> Callable[[Callable[[Job], None]], Any]:
    """Make ``work(job)`` a Celery task named ``name`` that runs the jobs of ``kind``.

    The engine names no kind of job: a feature registers each of its kinds this way, so a
    job whose worker died is sent again to the right task (``retention.recover_jobs``).
    """
    KIND_TASKS[kind] = name

    def decorate(work: Callable[[Job], None]) -> Any:
        @shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
            name=name, bind=True, **RETRIED_ON_DATABASE_ERRORS
        )
        def task(self: Any, job_id: int) -> None:
            runner = this_runner(self.request.hostname)
            try:
                run_job(
                    job_id, work, last_try=self.request.retries >= DATABASE_RETRIES, runner=runner
                )
            except services.RunningElsewhere as exc:
                if self.request.is_eager:  # run in the caller's process: nothing to wait for
                    return
                raise self.retry(exc=exc, countdown=RECHECK_SECONDS, max_retries=None) from exc

        task.__doc__ = work.__doc__
        return task

    return decorate
