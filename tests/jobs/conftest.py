"""Fixtures of the jobs tests: job rows made directly, in any state, with or without a file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.extensions import db as _db
from inkstone.jobs.models import FINISHED, Job, JobStatus


@pytest.fixture
def make_job(app: Flask, db: Any) -> Callable[..., Job]:
    """Create (and commit) a job row owned by ``owner``, in ``status``, with ``attrs``."""

    def make(
        owner: User | None, status: JobStatus = JobStatus.QUEUED, kind: str = "export", **attrs: Any
    ) -> Job:
        now = utcnow()
        if status != JobStatus.QUEUED:
            attrs.setdefault("started_at", now)
        if status in FINISHED:
            attrs.setdefault("finished_at", now + timedelta(seconds=1))
        if status == JobStatus.SUCCEEDED:
            attrs.setdefault("progress", 100)
        job = Job(
            kind=kind, owner_id=owner.id if owner else None, status=status.value, params={}, **attrs
        )
        with app.app_context():
            _db.session.add(job)
            _db.session.commit()
            _db.session.refresh(job)
            _db.session.expunge(job)
        return job

    return make


@pytest.fixture
def result_file(app: Flask) -> Callable[..., str]:
    """Write a file under ``instance/jobs/`` and return its path (as a task would store it)."""

    def write(name: str = "export.csv", content: bytes = b"\xef\xbb\xbftitle\r\nHello\r\n") -> str:
        folder = Path(app.instance_path) / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(content)
        return str(path)

    return write
