"""Running a job inside its Celery task: start it, let the work report, record the outcome.

The task base (``core/celery.py``) gives each run an app context and commits once at the end
(rolls back on an error). This module adds what every job needs: a job that is gone,
finished or cancelled is skipped; a transient database error is retried with backoff by
Celery; any other error, or the last failed retry, marks the job failed with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from sqlalchemy.exc import OperationalError

from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job

MAX_RETRIES = 3


class JobCancelled(Exception):
    """Raised by work that notices its job was cancelled (nothing more is recorded)."""


def run_job(job_id: int, work: Callable[[Job], None], *, last_try: bool = True) -> None:
    """Run ``work(job)`` for the job ``job_id``; ``work`` reports progress and finishes it."""
    job = services.start_job(job_id=job_id)
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
        raise
    except Exception as exc:
        db.session.rollback()
        services.fail_job(job_id=job_id, error=f"{type(exc).__name__}: {exc}")


def job_task(name: str) -> Callable[[Callable[[Job], None]], Any]:
    """Make ``work(job)`` a Celery task named ``name`` that takes a job id."""

    def decorate(work: Callable[[Job], None]) -> Any:
        @shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
            name=name,
            bind=True,
            autoretry_for=(OperationalError,),
            retry_backoff=True,
            retry_backoff_max=60,
            max_retries=MAX_RETRIES,
        )
        def task(self: Any, job_id: int) -> None:
            run_job(job_id, work, last_try=self.request.retries >= MAX_RETRIES)

        task.__doc__ = work.__doc__
        return task

    return decorate
