"""The jobs API: list, read, cancel, watch (Server-Sent Events) and download, each to its owner."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from inkstone.auth.models import RoleName
from inkstone.core import streams
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs import delivery, services
from inkstone.jobs.models import Job, JobStatus, WorkerHeartbeat
from tests.sse import frames

JOB_KEYS = {
    "id",
    "kind",
    "status",
    "progress",
    "message",
    "result",
    "summary",
    "error",
    "createdAt",
    "startedAt",
    "finishedAt",
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def owner(make_user):
    return make_user(username="owner")


@pytest.fixture
def stranger(make_user):
    return make_user(username="stranger")


@pytest.fixture
def admin(make_user):
    return make_user(username="boss", role=RoleName.ADMIN)


def _events(body: str) -> list[tuple[str, Any]]:
    """Return the (event, data) pairs of an event stream; comments as ("comment", text)."""
    return [found for found in frames([body]) if found[0] != "retry"]


# --------------------------------------------------------------------------- list and read


def test_a_job_reads_with_every_field_and_its_id_as_a_string(client, owner, auth_headers, make_job):
    job = make_job(owner, JobStatus.RUNNING, progress=40, message="Writing rows")
    response = client.get(f"/api/v1/jobs/{job.id}", headers=auth_headers(owner))
    assert response.status_code == 200
    body = response.json["job"]
    assert set(body) == JOB_KEYS
    assert body["id"] == str(job.id)
    assert (body["kind"], body["status"], body["progress"]) == ("export", "running", 40)
    assert body["message"] == "Writing rows"
    assert body["result"] is None
    assert body["summary"] is None
    assert body["error"] is None
    assert body["finishedAt"] is None
    assert TIMESTAMP.match(body["createdAt"])
    assert TIMESTAMP.match(body["startedAt"])


def test_the_list_shows_only_my_jobs_newest_first_and_whether_a_worker_runs(
    client, owner, stranger, auth_headers, make_job
):
    first = make_job(owner)
    second = make_job(owner, JobStatus.FAILED, error="boom")
    make_job(stranger)
    response = client.get("/api/v1/jobs", headers=auth_headers(owner))
    assert response.status_code == 200
    assert [j["id"] for j in response.json["jobs"]] == [str(second.id), str(first.id)]
    assert response.json["jobs"][0]["error"] == "boom"
    assert response.json["workerAlive"] is False
    paged = client.get("/api/v1/jobs?limit=1&offset=1", headers=auth_headers(owner))
    assert [j["id"] for j in paged.json["jobs"]] == [str(first.id)]


def test_worker_alive_follows_the_heartbeat(app, client, owner, auth_headers):
    with app.app_context():
        db.session.add(WorkerHeartbeat(hostname="celery@test", seen_at=utcnow()))
        db.session.commit()
    assert client.get("/api/v1/jobs", headers=auth_headers(owner)).json["workerAlive"] is True


def test_everyone_s_jobs_need_jobs_manage(client, owner, admin, auth_headers, make_job):
    job = make_job(owner)
    refused = client.get("/api/v1/jobs?all=true", headers=auth_headers(owner))
    assert refused.status_code == 403
    assert set(refused.json) == {"errors", "code"}
    assert refused.json["code"] == "auth.forbidden"
    mine = client.get("/api/v1/jobs", headers=auth_headers(admin)).json["jobs"]
    assert mine == []
    everyone = client.get("/api/v1/jobs?all=true", headers=auth_headers(admin)).json["jobs"]
    assert str(job.id) in [j["id"] for j in everyone]
    assert client.get(f"/api/v1/jobs/{job.id}", headers=auth_headers(admin)).status_code == 200


def test_jobs_need_a_token(client, owner, make_job):
    job = make_job(owner)
    for path in ("", f"/{job.id}", f"/{job.id}/events", f"/{job.id}/download"):
        assert client.get(f"/api/v1/jobs{path}").status_code == 401
    assert client.post(f"/api/v1/jobs/{job.id}/cancel").status_code == 401


def test_someone_else_s_job_is_not_found_whatever_is_asked(
    client, owner, stranger, auth_headers, make_job, result_file
):
    job = make_job(
        owner, JobStatus.SUCCEEDED, result_path=result_file(), result_filename="export.csv"
    )
    headers = auth_headers(stranger)
    for path in ("", "/events", "/download"):
        response = client.get(f"/api/v1/jobs/{job.id}{path}", headers=headers)
        assert response.status_code == 404, path
        assert set(response.json) == {"errors", "code"}
        assert response.json["code"] == "not_found"
    assert client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers).status_code == 404


@pytest.mark.parametrize("job_id", ["0", "9223372036854775808", "99999999999999999999", "abc"])
def test_impossible_ids_are_not_found(client, owner, auth_headers, job_id):
    assert client.get(f"/api/v1/jobs/{job_id}", headers=auth_headers(owner)).status_code == 404


# --------------------------------------------------------------------------- cancel


def test_cancelling_a_queued_job_stops_it(app, client, owner, auth_headers, make_job):
    job = make_job(owner)
    response = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=auth_headers(owner))
    assert response.status_code == 200
    assert response.json["job"]["status"] == "cancelled"
    assert TIMESTAMP.match(response.json["job"]["finishedAt"])
    with app.app_context():
        assert db.session.get(Job, job.id).status == JobStatus.CANCELLED


@pytest.mark.parametrize("status", [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_cancelling_a_finished_job_is_a_conflict(client, owner, auth_headers, make_job, status):
    job = make_job(owner, status)
    response = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=auth_headers(owner))
    assert response.status_code == 409
    assert set(response.json) == {"errors", "code"}
    assert response.json["code"] == "conflict"
    assert (
        client.get(f"/api/v1/jobs/{job.id}", headers=auth_headers(owner)).json["job"]["status"]
        == status.value
    )


# --------------------------------------------------------------------------- events


def test_a_finished_job_streams_one_progress_event_then_end(client, owner, auth_headers, make_job):
    job = make_job(owner, JobStatus.FAILED, error="disk full", progress=30)
    response = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    events = _events(response.get_data(as_text=True))
    assert [name for name, _ in events] == ["progress", "end"]
    assert events[-1][1]["job"]["status"] == "failed"
    assert events[-1][1]["job"]["error"] == "disk full"


def test_progress_is_streamed_as_the_worker_reports_it_until_the_job_ends(
    app, client, owner, auth_headers, make_job, monkeypatch
):
    job = make_job(owner, JobStatus.RUNNING)
    steps = iter([(50, "Half way"), (50, "Half way"), (90, "Nearly"), None])

    def worker_step(_seconds: float) -> None:
        # Instead of waiting, the "worker" moves on, writing as a real task does.
        step = next(steps)
        running = db.session.get(Job, job.id)
        if step is None:
            services.finish_job(job=running, summary={"rows": 3})
            db.session.commit()
        else:
            services.report_progress(job=running, percent=step[0], message=step[1])

    monkeypatch.setattr(delivery, "_sleep", worker_step)
    response = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
    events = _events(response.get_data(as_text=True))
    seen = [(name, data["job"]["progress"], data["job"]["message"]) for name, data in events]
    assert seen == [
        ("progress", 0, ""),
        ("progress", 50, "Half way"),  # reported twice, sent once
        ("progress", 90, "Nearly"),
        ("progress", 100, ""),
        ("end", 100, ""),
    ]
    assert events[-1][1]["job"]["status"] == "succeeded"


def test_the_stream_closes_by_itself_after_its_time_with_keep_alives_meanwhile(
    app, client, owner, auth_headers, make_job, monkeypatch
):
    job = make_job(owner, JobStatus.RUNNING, progress=10)
    now = [0.0]
    monkeypatch.setattr(delivery, "_clock", lambda: now[0])
    monkeypatch.setattr(delivery, "_sleep", lambda seconds: now.__setitem__(0, now[0] + seconds))
    monkeypatch.setitem(app.config, "JOB_EVENTS_MAX_SECONDS", 40)
    response = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
    events = _events(response.get_data(as_text=True))
    assert [name for name, _ in events] == ["progress", "comment", "comment"]
    assert events[1] == ("comment", "keep-alive")


def test_the_stream_really_stops_after_the_configured_seconds(
    app, make_limited_app, owner, auth_headers, make_job
):
    # No seams: a real app whose streams last one second, watching a job that never moves.
    quick = make_limited_app(JOB_EVENTS_MAX_SECONDS="1", SECRET_KEY=app.config["SECRET_KEY"])
    job = make_job(owner, JobStatus.QUEUED)
    response = quick.test_client().get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
    assert response.status_code == 200
    assert [name for name, _ in _events(response.get_data(as_text=True))] == ["progress"]


def test_a_job_deleted_while_watched_ends_the_stream(
    app, client, owner, auth_headers, make_job, monkeypatch
):
    job = make_job(owner, JobStatus.RUNNING)

    def job_removed(_seconds: float) -> None:
        db.session.execute(delete(Job).where(Job.id == job.id))
        db.session.commit()

    monkeypatch.setattr(delivery, "_sleep", job_removed)
    response = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
    assert [name for name, _ in _events(response.get_data(as_text=True))] == ["progress"]


# --------------------------------------------------------------------------- download


def test_the_owner_downloads_the_file_of_a_succeeded_job(
    client, owner, admin, auth_headers, make_job, result_file
):
    path = result_file("abc123.csv")
    job = make_job(
        owner, JobStatus.SUCCEEDED, result_path=path, result_filename="articles.csv", result_size=20
    )
    body = client.get(f"/api/v1/jobs/{job.id}", headers=auth_headers(owner)).json["job"]
    assert body["result"] == {
        "url": f"/api/v1/jobs/{job.id}/download",
        "filename": "articles.csv",
        "size": 20,
    }
    for user in (owner, admin):
        response = client.get(body["result"]["url"], headers=auth_headers(user))
        assert response.status_code == 200
        assert response.data.startswith(b"\xef\xbb\xbftitle")
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "articles.csv" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()


def test_a_relative_result_path_is_read_from_the_jobs_folder(
    client, owner, auth_headers, make_job, result_file
):
    result_file("relative.csv")
    job = make_job(
        owner, JobStatus.SUCCEEDED, result_path="relative.csv", result_filename="mine.csv"
    )
    response = client.get(f"/api/v1/jobs/{job.id}/download", headers=auth_headers(owner))
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbftitle")
    response.close()


def test_no_file_is_offered_before_the_job_succeeds(
    client, owner, auth_headers, make_job, result_file
):
    job = make_job(owner, JobStatus.RUNNING, result_path=result_file(), result_filename="x.csv")
    headers = auth_headers(owner)
    assert client.get(f"/api/v1/jobs/{job.id}", headers=headers).json["job"]["result"] is None
    assert client.get(f"/api/v1/jobs/{job.id}/download", headers=headers).status_code == 404


def test_a_missing_file_is_not_found(client, owner, auth_headers, make_job, app):
    gone = f"{app.instance_path}/jobs/gone.csv"
    job = make_job(owner, JobStatus.SUCCEEDED, result_path=gone, result_filename="gone.csv")
    response = client.get(f"/api/v1/jobs/{job.id}/download", headers=auth_headers(owner))
    assert response.status_code == 404
    assert set(response.json) == {"errors", "code"}
    assert response.json["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    ["../secret_key", "/etc/passwd", "sub/../../inkstone.db", "{instance}/jobs/../secret_key"],
)
def test_a_result_path_outside_the_jobs_folder_is_never_served(
    app, client, owner, auth_headers, make_job, result_file, path
):
    result_file()  # the folder exists, with a file in it
    Path(app.instance_path, "secret_key").write_text("s3cret")
    job = make_job(
        owner,
        JobStatus.SUCCEEDED,
        result_path=path.format(instance=app.instance_path),
        result_filename="innocent.csv",
    )
    response = client.get(f"/api/v1/jobs/{job.id}/download", headers=auth_headers(owner))
    assert response.status_code == 404
    assert b"s3cret" not in response.data
    assert b"root:" not in response.data


def test_past_the_open_stream_limit_the_events_route_says_429_and_when_to_retry(
    app, client, owner, auth_headers, make_job
):
    job = make_job(owner, JobStatus.RUNNING, progress=10)
    with app.app_context():
        slots = streams.slots()
    limit = app.config["LIVE_STREAMS"]
    held = [slots.acquire(blocking=False) for _ in range(limit)]
    try:
        assert all(held)
        response = client.get(f"/api/v1/jobs/{job.id}/events", headers=auth_headers(owner))
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2"
        assert "read the job instead" in response.json["errors"]["body"][0]
    finally:
        for _ in held:
            slots.release()
    # A stream that ends gives its slot back: the next watcher gets one.
    make_job(owner, JobStatus.SUCCEEDED)
    done = make_job(owner, JobStatus.SUCCEEDED)
    for _ in range(limit + 1):
        streamed = client.get(f"/api/v1/jobs/{done.id}/events", headers=auth_headers(owner))
        assert streamed.status_code == 200
        assert "event: end" in streamed.get_data(as_text=True)
