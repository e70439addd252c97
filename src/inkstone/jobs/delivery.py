"""How a job reaches its watcher: a Server-Sent Events stream of progress, and its result file.

Both the API (token) and the site (session) serve these; only the authentication differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Response, current_app, request, send_file, stream_with_context
from werkzeug.exceptions import TooManyRequests

from inkstone.core import streams
from inkstone.core.errors import NotFound
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job, JobStatus
from inkstone.jobs.schemas import JobOut, job_fields

POLL_SECONDS = 0.5
# Proxies and browsers drop a connection that stays silent for long; a comment line keeps it.
KEEPALIVE_SECONDS = 15.0

# Seams for the tests, which move time on instead of waiting.
_clock: Callable[[], float] = time.monotonic
_sleep: Callable[[float], None] = time.sleep


def _payload(job: Job) -> dict[str, Any]:
    payload: dict[str, Any] = JobOut().dump({"job": job_fields(job)})
    return payload


def job_events(
    *, job_id: int, max_seconds: float, gone: Callable[[], bool] = lambda: False
) -> Iterator[str]:
    """Yield SSE frames: ``progress`` on each change, ``end`` when the job ends, then stop.

    The row is read afresh each tick, and the read transaction ended after it, so a commit by
    the worker shows on the next tick. The stream also stops after ``max_seconds`` (the
    browser's EventSource reconnects by itself), or once ``gone()`` says its page was left.
    """
    deadline = _clock() + max_seconds
    quiet_since = _clock()
    seen: tuple[str, int, str] | None = None
    yield "retry: 2000\n\n"
    while True:
        job = db.session.get(Job, job_id, populate_existing=True)
        if job is None:  # deleted meanwhile (its owner's account went)
            return
        state = (job.status, job.progress, job.message)
        payload = _payload(job) if state != seen else None
        finished = job.is_finished
        db.session.rollback()  # end the read: the next one sees what the worker committed
        if payload is not None:  # a finished job is always news: the loop stops after it
            seen, quiet_since = state, _clock()
            yield streams.frame("progress", payload)
            if finished:
                yield streams.frame("end", payload)
                return
        now = _clock()
        if now >= deadline or gone():
            return
        if now - quiet_since >= KEEPALIVE_SECONDS:
            quiet_since = now
            yield ": keep-alive\n\n"
        _sleep(POLL_SECONDS)


def event_stream(job: Job) -> Response:
    """Answer with the job's progress as ``text/event-stream`` (see ``job_events``).

    Each open stream holds one of the web process's few threads until it ends, so at most
    ``LIVE_STREAMS`` (with the bell's, ``core/streams.py``) are open at once per process; past
    that the answer is 429 with ``Retry-After``, and the page polls instead (pages stay served
    whoever watches a job).
    """
    held = streams.slots()
    if not held.acquire(timeout=streams.HANDOFF_SECONDS):
        raise TooManyRequests(
            "too many progress streams are open: read the job instead", retry_after=2
        )
    max_seconds = float(current_app.config["JOB_EVENTS_MAX_SECONDS"])
    gone = streams.client_gone(request.environ)
    frames = stream_with_context(job_events(job_id=job.id, max_seconds=max_seconds, gone=gone))
    response = Response(streams.Holding(frames, held), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def result_file(job: Job) -> Path:
    """Return the file a succeeded job made; ``NotFound`` if none, gone, or outside its folder."""
    if job.status != JobStatus.SUCCEEDED or not job.result_path or not job.result_filename:
        raise NotFound("the job has no file to download", field="id")
    root = services.results_root().resolve()
    path = (root / job.result_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("the job's file is gone", field="id")
    return path


def download(job: Job) -> Response:
    """Send the job's file as an attachment under its own name, never sniffed as something else."""
    response = send_file(
        result_file(job), as_attachment=True, download_name=job.result_filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
