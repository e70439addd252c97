"""Infrastructure tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="inkstone.ping")  # type: ignore[untyped-decorator]  # Celery is untyped
def ping() -> str:
    """Answer ``pong``: proves a worker is consuming the queue."""
    return "pong"
