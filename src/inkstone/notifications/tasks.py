"""The daily digests, sent by an hourly beat (each reader's at about 8 in their time zone)."""

from __future__ import annotations

from datetime import datetime

import structlog
from celery import shared_task

from inkstone.auth.models import User
from inkstone.core.db import lock_for_writing, utcnow
from inkstone.extensions import db
from inkstone.notifications import mailing

log = structlog.get_logger(__name__)
DIGEST_TASK = "inkstone.notifications.send_digests"


def send_digests(*, now: datetime | None = None) -> int:
    """Send every digest that is due; return how many went out.

    One short transaction per reader, committed before the next: a failure loses one
    digest, which the next beat sends (its day was not claimed), and mail leaves reader by
    reader rather than all at the end.
    """
    now = now or utcnow()
    sent = 0
    for user_id in list(mailing.iter_digest_readers()):
        try:
            lock_for_writing(db.session)
            user = db.session.get(User, user_id)
            told = mailing.send_digest(user=user, now=now) if user is not None else 0
            db.session.commit()
        except Exception:  # one reader's failure must not cost everyone else their digest
            db.session.rollback()
            log.exception("notifications.digest_failed", user_id=user_id)
            continue
        sent += 1 if told else 0
    return sent


@shared_task(name=DIGEST_TASK)  # type: ignore[untyped-decorator]  # Celery is untyped
def send_digests_task() -> int:
    """Send the digests that are due (hourly, from beat)."""
    return send_digests()
