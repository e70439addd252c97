"""Result files are deleted some days after their job finished; dead workers' jobs recover."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from inkstone.core.db import utcnow
from inkstone.extensions import db as _db
from inkstone.jobs import retention
from inkstone.jobs.models import Job, JobStatus, WorkerHeartbeat


def _with_file(app, make_job, owner, *, days_ago: float, status=JobStatus.SUCCEEDED) -> Job:
    finished = utcnow() - timedelta(days=days_ago)
    job = make_job(owner, status, finished_at=finished)
    folder = Path(app.instance_path) / "jobs" / str(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "export.csv").write_bytes(b"slug,title\r\n")
    with app.app_context():
        stored = _db.session.get(Job, job.id)
        stored.result_path, stored.result_filename, stored.result_size = (
            f"{job.id}/export.csv",
            "export.csv",
            12,
        )
        _db.session.commit()
    return job


def _download_status(client, job: Job, headers) -> int:
    response = client.get(f"/api/v1/jobs/{job.id}/download", headers=headers)
    response.close()
    return response.status_code


def _purge(app) -> int:
    return app.extensions["celery"].tasks["inkstone.jobs.purge_results"].delay().get(timeout=5)


def test_files_older_than_the_retention_are_removed_and_the_job_says_so(
    app, client, make_user, auth_headers, make_job
):
    owner = make_user()
    headers = auth_headers(owner)
    old = _with_file(app, make_job, owner, days_ago=8)
    recent = _with_file(app, make_job, owner, days_ago=6)
    assert _download_status(client, old, headers) == 200

    assert app.config["JOB_RESULT_RETENTION_DAYS"] == 7
    assert _purge(app) == 1

    shown = client.get(f"/api/v1/jobs/{old.id}", headers=headers).get_json()["job"]
    assert shown["status"] == "succeeded"
    assert shown["result"] is None
    assert shown["message"] == "The file was removed after 7 days"
    assert _download_status(client, old, headers) == 404
    assert not (Path(app.instance_path) / "jobs" / str(old.id)).exists()

    kept = client.get(f"/api/v1/jobs/{recent.id}", headers=headers).get_json()["job"]
    assert kept["result"]["filename"] == "export.csv"
    assert _download_status(client, recent, headers) == 200
    assert _purge(app) == 0  # nothing more to do the next day


def test_old_folders_without_a_file_or_a_job_go_too_but_fresh_ones_stay(app, make_user, make_job):
    owner = make_user()
    failed = make_job(owner, JobStatus.FAILED, finished_at=utcnow() - timedelta(days=30))
    root = Path(app.instance_path) / "jobs"
    (root / str(failed.id)).mkdir(parents=True, exist_ok=True)
    (root / str(failed.id) / "upload.csv").write_bytes(b"x")  # an import's upload
    orphan, fresh = root / "123456789", root / "987654321"
    for folder in (orphan, fresh):
        folder.mkdir(parents=True, exist_ok=True)
    month_ago = time.time() - 30 * 86400
    os.utime(orphan, (month_ago, month_ago))

    assert _purge(app) == 0  # no job lost a downloadable file
    assert not (root / str(failed.id)).exists()
    assert not orphan.exists()
    assert fresh.exists()  # perhaps a job being created right now


def test_the_setting_decides_how_long_files_are_kept(app, make_user, make_job, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_RESULT_RETENTION_DAYS", 1)
    job = _with_file(app, make_job, make_user(), days_ago=2)
    assert _purge(app) == 1
    with app.app_context():
        assert _db.session.get(Job, job.id).message == "The file was removed after 1 day"


def test_a_starting_worker_requeues_jobs_a_dead_worker_left_running(app, make_user, make_job):
    owner = make_user()
    running = make_job(owner, JobStatus.RUNNING, kind="export.csv", attempts=1, progress=40)
    tired = make_job(owner, JobStatus.RUNNING, kind="export.csv", attempts=3)
    unknown = make_job(owner, JobStatus.RUNNING, kind="something.else", attempts=1)
    queued = make_job(owner, JobStatus.QUEUED, kind="export.csv")
    part = Path(app.instance_path) / "jobs" / str(running.id) / "export.csv.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(b"half")
    with app.app_context():
        to_send = retention.recover_jobs(hostname="celery@here")
        _db.session.commit()
        jobs = {job.id: _db.session.get(Job, job.id) for job in (running, tired, unknown, queued)}
        assert to_send == [(running.id, "inkstone.export_articles")]
        assert (jobs[running.id].status, jobs[running.id].progress) == ("queued", 0)
        assert jobs[tired.id].status == "failed"
        assert "3 attempts" in (jobs[tired.id].error or "")
        assert jobs[unknown.id].status == "failed"
        assert jobs[queued.id].status == "queued"
    assert not part.exists()


def test_no_job_is_touched_while_another_worker_is_alive(app, make_user, make_job):
    running = make_job(make_user(), JobStatus.RUNNING, kind="export.csv", attempts=1)
    with app.app_context():
        _db.session.add(WorkerHeartbeat(hostname="celery@elsewhere", seen_at=utcnow()))
        _db.session.commit()
        assert retention.recover_jobs(hostname="celery@here") == []
        assert retention.recover_jobs(hostname="celery@elsewhere") != []
        _db.session.rollback()
        assert _db.session.get(Job, running.id).status == "running"


def test_the_purge_is_scheduled_daily_for_the_beat(app):
    entry = app.extensions["celery"].conf.beat_schedule["purge-job-results"]
    assert entry["task"] == "inkstone.jobs.purge_results"
    assert entry["schedule"].remaining_estimate(utcnow()) <= timedelta(days=1)
    assert "inkstone.jobs.purge_results" in app.extensions["celery"].tasks


def test_the_beat_looks_for_dead_workers_jobs_as_often_as_the_setting_says(app, tmp_path):
    # Every 15 s by default: a job whose worker was killed waits seconds, not an hour.
    from inkstone import create_app
    from tests.conftest import app_config

    entry = app.extensions["celery"].conf.beat_schedule["recover-jobs"]
    assert (entry["task"], entry["schedule"]) == ("inkstone.jobs.recover", 15.0)
    assert entry["options"]["expires"] >= entry["schedule"]  # not piled up while none runs
    tuned = create_app(app_config(tmp_path, "sqlite://", JOB_RECOVER_SECONDS="5"))
    assert tuned.extensions["celery"].conf.beat_schedule["recover-jobs"]["schedule"] == 5.0


def test_recovery_and_the_outbox_sweep_wait_for_their_next_turn_while_the_database_is_away(
    tmp_path,
):
    # Retried with backoff, they piled up and ended as errors in the worker's log.
    from inkstone import create_app
    from tests.conftest import app_config

    away = "postgresql://inkstone:x@127.0.0.1:9/nothing?connect_timeout=2"
    tasks = create_app(app_config(tmp_path, away, LOG_LEVEL="CRITICAL")).extensions["celery"].tasks
    assert tasks["inkstone.jobs.recover"].apply().get() == 0
    assert tasks["inkstone.outbox.sweep"].apply().get() == 0
