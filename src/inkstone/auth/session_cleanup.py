"""Removing expired web sessions from the database, hourly (Celery beat) or by hand.

Sessions kept in the database (``core.session_store``, the embedded mode) are skipped once
expired but stay in ``web_sessions`` until something deletes them: ``purge_sessions``
(``inkstone.auth.purge_sessions``, hourly by beat) and ``flask session_cleanup`` do. Redis
expires its sessions itself, so on the Redis backend both do nothing.

Rows go in batches, each its own short transaction: on SQLite a delete holds the one write
lock, and the site's writers should wait for one batch at most, not for a backlog of a
million rows. A beat run stops after ``MAX_BATCHES``; the next run takes the rest.
"""

from __future__ import annotations

import click
import structlog
from celery import shared_task
from celery.schedules import crontab
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from inkstone.core.celery import RETRIED_ON_DATABASE_ERRORS
from inkstone.core.db import utcnow
from inkstone.core.session_store import WebSession
from inkstone.extensions import db

log = structlog.get_logger(__name__)

PURGE_TASK = "inkstone.auth.purge_sessions"
PURGE_SCHEDULE = crontab(minute=41)  # hourly, away from the other tasks' round minutes
BATCH_SIZE = 1000
MAX_BATCHES = 100  # at most 100,000 rows per beat run


def delete_expired_sessions(*, limit: int) -> int:
    """Delete up to ``limit`` web sessions that have expired, oldest first; return how many."""
    expired = WebSession.expires_at <= utcnow()
    oldest = select(WebSession.session_id).where(expired).order_by(WebSession.expires_at)
    result = db.session.execute(
        # ``expired`` again in the outer WHERE: a session renewed meanwhile is kept.
        delete(WebSession).where(expired, WebSession.session_id.in_(oldest.limit(limit))),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult


def stored_in_database() -> bool:
    """Tell whether this app keeps web sessions in the database (not in Redis)."""
    return bool(current_app.config["SESSION_BACKEND"] == "sqlalchemy")


def purge_expired_sessions(*, batch_size: int = BATCH_SIZE, max_batches: int | None) -> int:
    """Delete expired web sessions batch by batch, committing each; return how many went.

    ``max_batches=None`` goes on until none is left.
    """
    removed = batches = 0
    while max_batches is None or batches < max_batches:
        deleted = delete_expired_sessions(limit=batch_size)
        db.session.commit()
        removed += deleted
        batches += 1
        if deleted < batch_size:
            break
    return removed


@shared_task(name=PURGE_TASK, **RETRIED_ON_DATABASE_ERRORS)  # type: ignore[untyped-decorator]
def purge_sessions() -> int:
    """Remove expired web sessions from the database (hourly, by beat); a no-op on Redis."""
    if not stored_in_database():
        return 0
    removed = purge_expired_sessions(max_batches=MAX_BATCHES)
    log.info("auth.sessions_purged", removed=removed, limit=BATCH_SIZE * MAX_BATCHES)
    return removed


@click.command("session_cleanup")
@with_appcontext
def session_cleanup_command() -> None:
    """Remove expired web sessions from the database now (beat does it every hour)."""
    if not stored_in_database():
        click.echo("Web sessions are kept in Redis, which removes expired ones itself.")
        return
    removed = purge_expired_sessions(max_batches=None)
    click.echo(f"Removed {removed} expired web sessions.")
