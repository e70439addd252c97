"""Tasks sent reliably: written in the request's transaction, sent after it, swept if lost.

``core.celery.enqueue_after_commit`` used to send a task once the request committed. If the
broker was down at that moment, the request answered 500 after its job was already committed
as ``queued``, and no message ever reached a worker: the job stayed queued for ever.

Now a task to send is first a row of ``task_outbox``, added in the same transaction as the
work that needs it (a job, an upload), so both exist or neither does. Once the transaction
commits, each row's task is sent and the row deleted. A send that fails leaves its row: the
request still succeeds (its work is recorded and will be done), and ``sweep`` — run by
Celery beat every ``SWEEP_EVERY`` and by every worker as it starts — sends every row older
than ``GRACE`` again. A row is claimed by a conditional UPDATE before it is sent, so two
sweepers never send it twice; a task may still arrive twice (a send whose deletion failed),
and every task here is idempotent (a job starts with one conditional UPDATE).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import JSON, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from inkstone.core.db import Base, BigId, utcnow

log = structlog.get_logger(__name__)

# A younger row may still be sent by its own request: a send gives up within seconds
# (``core.celery.PUBLISH_RETRY_POLICY`` and the broker's timeouts).
GRACE = timedelta(seconds=10)
CLAIM = timedelta(seconds=60)  # how long a sweeper owns a row it is sending
# A task written while the broker was down is sent at most GRACE + SWEEP_EVERY after it is
# back: an export asked for during a Redis outage starts seconds after, not a minute or two.
# Each sweep is one indexed query on an (almost always) empty table.
SWEEP_EVERY = timedelta(seconds=10)
SWEEP_TASK = "inkstone.outbox.sweep"


class OutboxMessage(Base):
    """A task waiting to be handed to the broker."""

    __tablename__ = "task_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.task}>"


def send(celery_app: Any, message_id: int, task: str, args: list[Any], bind: Any) -> bool:
    """Send one task and delete its row; ``False`` (row kept) if the broker refused it."""
    try:
        celery_app.tasks[task].apply_async(args=args)
    except Exception as exc:  # the broker is down or refuses: the sweep sends it later
        log.warning("outbox.send_failed", task=task, error=exc.__class__.__name__)
        return False
    try:
        with Session(bind=bind) as session, session.begin():
            session.execute(delete(OutboxMessage).where(OutboxMessage.id == message_id))
    except Exception:  # sent, but still listed: a sweep sends it again (tasks are idempotent)
        log.warning("outbox.delete_failed", task=task, exc_info=True)
    return True


def sweep(celery_app: Any, bind: Any, *, now: datetime | None = None) -> int:
    """Send the tasks whose request could not (older than ``GRACE``); return how many went."""
    now = now or utcnow()
    with Session(bind=bind) as session:
        waiting = session.execute(
            select(OutboxMessage.id, OutboxMessage.task, OutboxMessage.args)
            .where(
                OutboxMessage.created_at <= now - GRACE,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.id)
            .limit(1000)
        ).all()
    sent = 0
    for message_id, task, args in waiting:
        if not _claim(bind, message_id, now):
            continue  # another sweeper has it
        if not send(celery_app, message_id, task, list(args), bind):
            break  # the broker is down: the next sweep tries again
        sent += 1
    if sent:
        log.info("outbox.swept", sent=sent)
    return sent


def _claim(bind: Any, message_id: int, now: datetime) -> bool:
    with Session(bind=bind) as session, session.begin():
        claimed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + CLAIM, attempts=OutboxMessage.attempts + 1)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]
