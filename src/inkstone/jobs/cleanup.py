"""What an account leaves in jobs when it is deleted: its jobs, and the files they made.

An export holds the account's writing and an import the file it sent: neither may outlive
the account. Unfinished jobs are cancelled first, then every job row goes in the deletion's
transaction; their folders (``instance/jobs/<id>/``) are removed by a task sent only once it
commits, so a deletion rolled back loses no file.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inkstone.auth.models import User
from inkstone.core import events
from inkstone.core.celery import enqueue_after_commit
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job
from inkstone.jobs.retention import remove_results


def remove_account_jobs(*, user: User, **_: Any) -> None:
    """Cancel and delete ``user``'s jobs; remove their files once the deletion commits."""
    jobs = list(db.session.scalars(select(Job).where(Job.owner_id == user.id).order_by(Job.id)))
    for job in jobs:
        if not job.is_finished:
            services.cancel_job(job=job)
        db.session.delete(job)
    db.session.flush()
    if jobs:
        enqueue_after_commit(remove_results, [job.id for job in jobs])


def connect_cleanup() -> None:
    """Have account deletion call ``remove_account_jobs``."""
    events.user_deleting.connect(remove_account_jobs, when=events.IN_TRANSACTION)
