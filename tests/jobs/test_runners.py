"""A job delivered again — retried, or redelivered after its process died — runs to the end.

The process running a job is recorded on it. A second delivery takes the job over when that
process is gone, waits while it is alive, and a retried task finds its job queued again.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from inkstone.articles.models import Article
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs import retention, services
from inkstone.jobs.liveness import WORKER_GONE_AFTER, runner_gone, this_runner
from inkstone.jobs.models import Job, JobStatus, WorkerHeartbeat
from inkstone.jobs.runner import run_job
from inkstone.transfers import imports
from tests import worker_helpers

HEADER = "slug,title,description,body,tags,published,created_at,updated_at,author"

MACHINE = socket.gethostname()


def _dead_pid() -> int:
    """Return the pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _running(user, runner: str | None, *, attempts: int = 1, kind: str = "export.csv") -> Job:
    job = Job(
        kind=kind,
        owner_id=user.id,
        status=JobStatus.RUNNING.value,
        runner=runner,
        attempts=attempts,
        progress=40,
        started_at=utcnow(),
    )
    db.session.add(job)
    db.session.commit()
    return job


def _finish(job: Job) -> None:
    services.finish_job(job=job, summary={"done": True})


def _reloaded(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


def test_a_job_whose_process_died_is_taken_over_by_the_next_delivery(app_ctx, make_user):
    job = _running(make_user(), f"celery@here {MACHINE} {_dead_pid()}")

    run_job(job.id, _finish, runner="celery@here-again host 1")
    done = _reloaded(job.id)
    assert done.status == JobStatus.SUCCEEDED
    assert done.attempts == 2
    assert done.summary == {"done": True}


def test_a_job_running_in_a_live_process_is_left_alone(app_ctx, make_user):
    job = _running(make_user(), this_runner("celery@here"))  # this test's own process

    with pytest.raises(services.RunningElsewhere):
        run_job(job.id, _finish, runner="celery@other host 2")
    still = _reloaded(job.id)
    assert (still.status, still.attempts, still.progress) == (JobStatus.RUNNING, 1, 40)


def test_a_job_on_another_machine_waits_while_its_worker_beats(app_ctx, make_user):
    job = _running(make_user(), "celery@far far-machine 4242")
    db.session.add(WorkerHeartbeat(hostname="celery@far", seen_at=utcnow()))
    db.session.commit()
    assert runner_gone(job.runner) is False
    with pytest.raises(services.RunningElsewhere):
        services.start_job(job_id=job.id, runner="celery@near near-machine 1")

    heartbeat = db.session.get(WorkerHeartbeat, "celery@far")
    heartbeat.seen_at = utcnow() - WORKER_GONE_AFTER - timedelta(seconds=1)
    db.session.commit()
    assert runner_gone(job.runner) is True
    taken = services.start_job(job_id=job.id, runner="celery@near near-machine 1")
    assert taken is not None
    assert (taken.runner, taken.attempts) == ("celery@near near-machine 1", 2)


def test_a_job_that_killed_its_workers_too_often_is_failed_with_the_reason(app_ctx, make_user):
    job = _running(
        make_user(), f"celery@here {MACHINE} {_dead_pid()}", attempts=services.MAX_ATTEMPTS
    )

    assert services.start_job(job_id=job.id, runner="celery@here host 3") is None
    failed = _reloaded(job.id)
    assert failed.status == JobStatus.FAILED
    assert "stopped 3 times" in (failed.error or "")


@pytest.mark.parametrize("status", [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_a_finished_job_delivered_again_is_not_run(app_ctx, make_user, status):
    job = Job(kind="export.csv", owner_id=make_user().id, status=status.value, attempts=1)
    db.session.add(job)
    db.session.commit()
    assert services.start_job(job_id=job.id, runner="celery@here host 4") is None
    assert _reloaded(job.id).attempts == 1


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[tuple[Flask, int]]:
    """An app on a SQLite file, as the worker has it: each transaction of its own is real."""
    app, user_id = worker_helpers.file_app(tmp_path)
    yield app, user_id
    with app.app_context():
        db.engine.dispose()


def test_a_transient_database_error_queues_the_job_again_for_the_retry(file_app):
    app, user_id = file_app
    calls: list[int] = []

    def flaky(job: Job) -> None:
        calls.append(job.attempts)
        if len(calls) == 1:
            raise OperationalError("INSERT …", {}, Exception("database is locked"))
        _finish(job)

    with app.app_context():
        job = Job(kind="export.csv", owner_id=user_id)
        db.session.add(job)
        db.session.commit()
        with pytest.raises(OperationalError):  # Celery retries the task with backoff
            run_job(job.id, flaky, last_try=False, runner="celery@here host 5")
        waiting = _reloaded(job.id)
        assert (waiting.status, waiting.runner) == (JobStatus.QUEUED, None)
        assert waiting.message == "Waiting to try again"

        run_job(job.id, flaky, last_try=False, runner="celery@here host 5")  # the retry
        db.session.commit()
        done = _reloaded(job.id)
        assert done.status == JobStatus.SUCCEEDED
        assert calls == [1, 2]


def test_an_import_is_not_failed_by_writes_committed_beside_it(file_app):
    """Under SQLite, heartbeats and pages write while an import runs: no "database is locked"."""
    app, user_id = file_app
    rows = [HEADER] + [f"s{n},Title {n},,Body {n},tag{n % 7},true,,,writer" for n in range(600)]
    upload = Path(app.instance_path) / "import.csv"
    upload.write_text("\ufeff" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    stop = threading.Event()
    beats: list[int] = []

    def beat_beside() -> None:  # a second connection committing small writes, as a worker does
        with app.app_context():
            while not stop.is_set():
                services.beat(hostname="celery@beside")
                beats.append(1)
                time.sleep(0.002)

    with app.app_context():
        params = {"format": "csv", "upload": str(upload), "filename": "import.csv"}
        job = Job(kind="import.csv", owner_id=user_id, params=params)
        db.session.add(job)
        db.session.commit()
        beside = threading.Thread(target=beat_beside)
        beside.start()
        try:
            outcome = imports.import_articles.apply(args=[job.id])  # in this process, as a worker
        finally:
            stop.set()
            beside.join()
        assert outcome.successful(), outcome.traceback
        done = _reloaded(job.id)
        assert done.status == JobStatus.SUCCEEDED, done.error
        assert done.attempts == 1  # never retried
        assert done.summary is not None
        assert done.summary["created"] == 600
        assert db.session.scalar(select(func.count()).select_from(Article)) == 600
    assert beats  # writes beside really happened meanwhile (they wait for each batch)


def test_the_last_retry_fails_the_job_with_a_reason(app_ctx, make_user):
    job = Job(kind="export.csv", owner_id=make_user().id)
    db.session.add(job)
    db.session.commit()

    def locked(job: Job) -> None:
        raise OperationalError("INSERT …", {}, Exception("database is locked"))

    with pytest.raises(OperationalError):
        run_job(job.id, locked, last_try=True, runner="celery@here host 6")
    failed = _reloaded(job.id)
    assert failed.status == JobStatus.FAILED
    assert "database was unavailable" in (failed.error or "")


def test_a_starting_worker_recovers_jobs_of_dead_processes_even_beside_a_live_worker(
    app, make_user, make_job
):
    owner = make_user()
    with app.app_context():
        dead = _running(owner, f"celery@old {MACHINE} {_dead_pid()}")
        alive = _running(owner, this_runner("celery@busy"))
        db.session.add(WorkerHeartbeat(hostname="celery@busy", seen_at=utcnow()))
        db.session.commit()

        to_send = retention.recover_jobs(hostname="celery@new")
        db.session.commit()
        assert to_send == [(dead.id, "inkstone.export_articles")]
        assert _reloaded(dead.id).status == JobStatus.QUEUED
        assert _reloaded(dead.id).runner is None
        assert _reloaded(alive.id).status == JobStatus.RUNNING


def test_a_runner_name_nobody_wrote_counts_as_gone():
    assert runner_gone(None) is True
    assert runner_gone("garbage") is True


def test_a_dead_workers_job_is_requeued_every_minute_not_only_when_a_worker_starts(
    app, make_user, make_job
):
    # A worker killed beside live ones: its job waited for the broker's visibility timeout
    # (an hour with Redis) while the others idled. Celery beat runs this every minute.
    owner = make_user()
    with app.app_context():
        dead = _running(owner, f"celery@old {MACHINE} {_dead_pid()}")
        db.session.add(WorkerHeartbeat(hostname="celery@busy", seen_at=utcnow()))
        db.session.commit()
        dead_id = dead.id
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["recover-jobs"]["task"] == retention.RECOVER_TASK
    assert schedule["recover-jobs"]["schedule"] <= 60
    requeued = app.extensions["celery"].tasks[retention.RECOVER_TASK].apply().get()
    assert requeued == 1
    with app.app_context():
        # Sent again through the outbox and run (eagerly here): a second attempt, not stuck.
        again = _reloaded(dead_id)
        assert again.attempts == 2
        assert again.status != JobStatus.RUNNING, again.error
