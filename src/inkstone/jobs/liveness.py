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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import RUNNER_MAX, Job, JobStatus, WorkerHeartbeat

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


@dataclass(frozen=True, slots=True)
class Worker:
    """A job worker as the back office shows it."""

    name: str  # its node name, ``worker1@host`` (``local``: jobs run in the web's process)
    host: str
    processes: tuple[str, ...]  # "<machine> <pid>" of each process running one of its jobs
    seen_at: datetime | None  # its last heartbeat (``None``: never)
    alive: bool
    running: int  # how many jobs it is running


def list_workers(*, limit: int = 100) -> list[Worker]:
    """Return the workers that said they were alive, and those running jobs, newest first."""
    now = utcnow()
    beats = (
        select(WorkerHeartbeat.hostname, WorkerHeartbeat.seen_at)
        .order_by(WorkerHeartbeat.seen_at.desc())
        .limit(limit)
    )
    seen: dict[str, datetime] = {row.hostname: row.seen_at for row in db.session.execute(beats)}
    processes: dict[str, set[str]] = {}
    running: dict[str, int] = {}
    runners = db.session.execute(
        select(Job.runner, func.count(Job.id))
        .where(Job.status == JobStatus.RUNNING.value)
        .group_by(Job.runner)
        .limit(limit)
    )
    for runner, count in runners:
        parts = (runner or "").rsplit(" ", 2)
        node = parts[0] if len(parts) == 3 else "?"
        if len(parts) == 3:
            processes.setdefault(node, set()).add(f"{parts[1]} {parts[2]}")
        running[node] = running.get(node, 0) + int(count)
    names = list(seen) + sorted(set(running) - set(seen))
    return [
        Worker(
            name=name,
            host=name.partition("@")[2] or name,
            processes=tuple(sorted(processes.get(name, ()))),
            seen_at=seen.get(name),
            alive=seen.get(name) is not None and now - seen[name] <= WORKER_GONE_AFTER,
            running=running.get(name, 0),
        )
        for name in names
    ]
