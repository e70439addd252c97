"""Rebuilding the index as a job: progress on the job's page, cancellable between batches."""

from __future__ import annotations

from typing import Any

from inkstone.auth.models import User
from inkstone.jobs import services
from inkstone.jobs.models import Job
from inkstone.jobs.runner import JobCancelled, job_task
from inkstone.search.indexing import rebuild

TASK_NAME = "inkstone.search.reindex"
KIND = "search"


def start_reindex(*, owner: User | None, fresh: bool = False) -> Job:
    """Queue a rebuild of the whole index (``search.reindex``)."""
    return services.create_job(
        kind=f"{KIND}.reindex", owner=owner, task=reindex_job, params={"fresh": fresh}
    )


def run_reindex(job: Job) -> None:
    """Index every published article and findable person again, reporting progress."""

    def progress(done: int, total: int) -> bool:
        percent = done * 99 // max(total, done, 1)
        return services.report_progress(
            job=job, percent=percent, message=f"Indexed {done} of {total} articles"
        )

    articles, people = rebuild(fresh=bool(job.params.get("fresh")), progress=progress)
    if not progress(articles, articles):
        raise JobCancelled
    summary: dict[str, Any] = {"articles": articles, "people": people}
    services.finish_job(job=job, summary=summary)


reindex_job = job_task(TASK_NAME, kind=KIND)(run_reindex)
