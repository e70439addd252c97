"""Infrastructure tasks."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from inkstone.core.mail import deliver, from_data


@shared_task(name="inkstone.ping")  # type: ignore[untyped-decorator]  # Celery is untyped
def ping() -> str:
    """Answer ``pong``: proves a worker is consuming the queue."""
    return "pong"


@shared_task(name="inkstone.send_mail", acks_late=True)  # type: ignore[untyped-decorator]
def send_mail(data: dict[str, Any]) -> None:
    """Send one mail queued by a request (so the request never waits on the mail server)."""
    deliver(from_data(data))
