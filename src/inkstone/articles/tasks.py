"""The worker's article tasks: publishing scheduled drafts when their time comes."""

from __future__ import annotations

import structlog
from celery import shared_task

from inkstone.articles import scheduler, scheduling
from inkstone.core.celery import RETRIED_ON_DATABASE_ERRORS

log = structlog.get_logger(__name__)


@shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
    name=scheduling.PUBLISH_DUE_TASK, **RETRIED_ON_DATABASE_ERRORS
)
def publish_due() -> int:
    """Publish the scheduled drafts whose time has come (every 30 s, by beat).

    A retry, a late run or two beats at once publish nothing twice (``scheduling.claim``).
    """
    published = scheduler.publish_due()
    if published:
        log.info("articles.scheduled_published", count=published)
    return published
