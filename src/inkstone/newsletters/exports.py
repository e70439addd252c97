"""An author's subscriber list as a CSV file, written by a job (progress, then a download).

Rows are read in keyset pages; the file is written as ``<name>.part`` and renamed when
complete, as the article exports do. Pending and unsubscribed rows are listed too, with their
status: the list is the author's to keep in order.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job
from inkstone.jobs.runner import JobCancelled, job_task
from inkstone.newsletters.models import Subscription

TASK_NAME = "inkstone.newsletters.export"
KIND = "subscribers"
BATCH = 500
HEADER = ("email", "status", "subscribed_at", "confirmed_at", "unsubscribed_at")
KIND_LABEL = _l("Subscriber list export")


def start_export(*, owner: User) -> Job:
    """Queue a CSV export of ``owner``'s subscribers."""
    return services.create_job(
        kind=f"{KIND}.csv", owner=owner, task=export_subscribers, params={"format": "csv"}
    )


def _stamp(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else ""


def write_list(*, job: Job, path: Path, author_id: int, batch: int = BATCH) -> int:
    """Write the author's subscribers to ``path`` page by page; return the row count."""
    total = int(
        db.session.scalar(select(func.count()).where(Subscription.author_id == author_id)) or 0
    )
    query = (
        select(
            Subscription.id,
            Subscription.email,
            Subscription.status,
            Subscription.created_at,
            Subscription.confirmed_at,
            Subscription.unsubscribed_at,
        )
        .where(Subscription.author_id == author_id)
        .order_by(Subscription.id)
        .limit(batch)
    )
    done, last_id = 0, 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while True:
            rows = db.session.execute(query.where(Subscription.id > last_id)).all()
            if not rows:
                break
            last_id = rows[-1][0]
            writer.writerows(
                (row[1], row[2], _stamp(row[3]), _stamp(row[4]), _stamp(row[5])) for row in rows
            )
            done += len(rows)
            total = max(total, done)
            message = f"Exported {done} of {total} subscribers"
            if not services.report_progress(job=job, percent=done * 99 // total, message=message):
                raise JobCancelled
            if len(rows) < batch:
                break
    return done


def run_export(job: Job) -> None:
    """Export the job owner's subscriber list to a CSV file and offer it for download."""
    if job.owner_id is None:
        raise ValueError("a subscriber list export needs an owner")
    folder = services.job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"inkstone-subscribers-{utcnow():%Y-%m-%d}.csv"
    part, final = folder / f"{filename}.part", folder / filename
    try:
        count = write_list(job=job, path=part, author_id=job.owner_id)
        part.replace(final)
        services.finish_job(
            job=job,
            summary={"subscribers": count, "format": "csv"},
            path=f"{job.id}/{filename}",
            filename=filename,
            size=final.stat().st_size,
        )
    except BaseException:
        part.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()
        raise


export_subscribers = job_task(TASK_NAME, kind=KIND)(run_export)
