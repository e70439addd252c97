"""Housekeeping run by beat: pending subscriptions never confirmed are purged."""

from __future__ import annotations

from celery import shared_task

from inkstone.core.celery import RETRIED_ON_DATABASE_ERRORS
from inkstone.newsletters import services

PURGE_TASK = "inkstone.newsletters.purge_pending"


@shared_task(name=PURGE_TASK, **RETRIED_ON_DATABASE_ERRORS)  # type: ignore[untyped-decorator]
def purge_pending() -> int:
    """Delete pending subscriptions older than a week (the task commits); return how many."""
    return services.purge_pending()
