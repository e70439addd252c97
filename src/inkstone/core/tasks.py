"""Infrastructure tasks."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from inkstone.core.mail import MailDeferred, deliver, from_data

MAIL_RETRIES = 5


@shared_task(name="inkstone.ping")  # type: ignore[untyped-decorator]  # Celery is untyped
def ping() -> str:
    """Answer ``pong``: proves a worker is consuming the queue."""
    return "pong"


@shared_task(  # type: ignore[untyped-decorator]
    name="inkstone.send_mail",
    bind=True,
    acks_late=True,
    autoretry_for=(MailDeferred,),
    max_retries=MAIL_RETRIES,
    # Waits drawn at random below 30 s, 1, 2, 4 then 8 minutes: a greylisting server or one
    # restarting gets time to come back; the last try is about a quarter of an hour on.
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
)
def send_mail(self: Any, data: dict[str, Any]) -> None:
    """Send one mail queued by a request (so the request never waits on the mail server).

    A failure that may pass is tried again later; the last try, or a permanent failure (a
    5xx answer), is logged and the message dropped.
    """
    deliver(from_data(data), defer_transient=self.request.retries < MAIL_RETRIES)
