"""Who runs a job: this process's name for itself, and whether a recorded one has stopped.

A running job records its runner, ``"<worker node> <machine> <pid>"``. When its task comes
again — redelivered after the process died (``reject_on_worker_lost``; Redis after its
visibility timeout), or retried — the job is still ``running``, and ``services.start_job``
asks ``runner_gone``: on the same machine, whether that process still exists; elsewhere,
whether its worker has said it is alive lately (``WorkerHeartbeat``). A job whose runner is
gone is taken over; one still running elsewhere is checked again later.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import select

from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import RUNNER_MAX, WorkerHeartbeat

# A worker says it is alive this often; one silent for ``WORKER_GONE_AFTER`` is taken to be gone.
HEARTBEAT_EVERY = timedelta(seconds=10)
WORKER_GONE_AFTER = timedelta(seconds=45)


def this_runner(node: str | None) -> str:
    """Return the runner name of this process, on the worker ``node`` (``celery@host``)."""
    return f"{node or 'local'} {socket.gethostname()} {os.getpid()}"[:RUNNER_MAX]


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        return True
    return True


def runner_gone(runner: str | None) -> bool:
    """Tell whether the process ``runner`` names has stopped (its job will never finish)."""
    parts = (runner or "").rsplit(" ", 2)
    if len(parts) != 3 or not parts[2].isdigit():
        return True  # recorded by no one (started before runners were recorded)
    node, machine, pid = parts[0], parts[1], int(parts[2])
    if machine == socket.gethostname():
        return not _process_exists(pid)
    seen = db.session.scalar(
        select(WorkerHeartbeat.seen_at).where(WorkerHeartbeat.hostname == node)
    )
    return seen is None or utcnow() - seen > WORKER_GONE_AFTER
