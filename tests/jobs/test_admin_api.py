"""The back office's jobs API: everyone's jobs, cancel, retry (audited), the workers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from inkstone.auth.models import AuditEvent, RoleName
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import JobStatus, WorkerHeartbeat

TOO_BIG = 2**63


@pytest.fixture
def owner(make_user):
    return make_user(username="ann")


@pytest.fixture
def admin_headers(make_user, auth_headers):
    return auth_headers(make_user(username="root", role=RoleName.ADMIN))


def _audited(app, kind: str) -> list[tuple[int | None, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.user_id, AuditEvent.actor_id).where(AuditEvent.event == kind)
        )
        return [(user_id, actor_id) for user_id, actor_id in rows]


def test_the_routes_need_a_token_and_jobs_manage(client, make_user, auth_headers, owner, make_job):
    job = make_job(owner)
    moderator = auth_headers(make_user(username="mod", role=RoleName.MODERATOR))
    author = auth_headers(owner)
    routes = [
        ("get", "/api/v1/admin/jobs"),
        ("get", "/api/v1/admin/workers"),
        ("post", f"/api/v1/admin/jobs/{job.id}/cancel"),
        ("post", f"/api/v1/admin/jobs/{job.id}/retry"),
    ]
    for method, path in routes:
        assert getattr(client, method)(path).status_code == 401, path
        for headers in (author, moderator):
            response = getattr(client, method)(path, headers=headers)
            assert response.status_code == 403, path
            assert "errors" in response.json


def test_everyone_s_jobs_are_listed_with_owner_attempts_and_runner(
    client, admin_headers, owner, make_user, make_job
):
    mine = make_job(owner, JobStatus.FAILED, kind="export.csv", error="boom", attempts=2)
    theirs = make_job(make_user(username="bob"), JobStatus.RUNNING, runner="w@h h 1")
    body = client.get("/api/v1/admin/jobs", headers=admin_headers).json
    assert [job["id"] for job in body["jobs"]] == [str(theirs.id), str(mine.id)]
    first = body["jobs"][1]
    assert first["owner"] == "ann"
    assert first["attempts"] == 2
    assert first["error"] == "boom"
    assert first["params"] == {}
    assert first["runner"] is None
    assert body["jobs"][0]["runner"] == "w@h h 1"
    filtered = client.get(
        "/api/v1/admin/jobs?status=failed&kind=export&owner=Ann", headers=admin_headers
    ).json
    assert [job["id"] for job in filtered["jobs"]] == [str(mine.id)]
    assert client.get("/api/v1/admin/jobs?owner=nobody", headers=admin_headers).json == {"jobs": []}


def test_bad_filters_get_422(client, admin_headers):
    for query in ("status=bogus", "kind=" + "k" * 41, "limit=0", "offset=-1", "limit=x"):
        response = client.get(f"/api/v1/admin/jobs?{query}", headers=admin_headers)
        assert response.status_code == 422, query
        assert "errors" in response.json


def test_cancel_is_logged_about_the_owner_and_refused_once_finished(
    app, client, admin_headers, owner, make_job
):
    job = make_job(owner, JobStatus.QUEUED)
    response = client.post(f"/api/v1/admin/jobs/{job.id}/cancel", headers=admin_headers)
    assert response.status_code == 200
    assert response.json["job"]["status"] == "cancelled"
    assert response.json["job"]["owner"] == "ann"
    [(user_id, actor_id)] = _audited(app, "job.cancelled")
    assert user_id == owner.id
    assert actor_id is not None
    again = client.post(f"/api/v1/admin/jobs/{job.id}/cancel", headers=admin_headers)
    assert again.status_code == 409
    assert len(_audited(app, "job.cancelled")) == 1


def test_a_failed_job_is_retried_and_runs_again(app, client, admin_headers, owner, make_job):
    job = make_job(owner, JobStatus.FAILED, kind="audit.csv", error="boom")
    response = client.post(f"/api/v1/admin/jobs/{job.id}/retry", headers=admin_headers)
    assert response.status_code == 200, response.json
    assert response.json["job"]["status"] == "succeeded"
    assert response.json["job"]["error"] is None
    assert response.json["job"]["result"]["filename"].endswith(".csv")
    assert len(_audited(app, "job.retried")) == 1
    again = client.post(f"/api/v1/admin/jobs/{job.id}/retry", headers=admin_headers)
    assert again.status_code == 409
    assert "status" in again.json["errors"]


def test_a_job_of_a_kind_no_task_runs_is_not_retried(client, admin_headers, owner, make_job):
    job = make_job(owner, JobStatus.FAILED, kind="vanished.kind")
    response = client.post(f"/api/v1/admin/jobs/{job.id}/retry", headers=admin_headers)
    assert response.status_code == 409
    assert "kind" in response.json["errors"]


def test_unknown_and_impossible_ids_get_404(client, admin_headers):
    for job_id in (1, TOO_BIG, 10**25):
        for action in ("cancel", "retry"):
            response = client.post(f"/api/v1/admin/jobs/{job_id}/{action}", headers=admin_headers)
            assert response.status_code == 404, (job_id, action)


def test_workers_and_the_queue_length(app, client, admin_headers, owner, make_job):
    with app.app_context():
        db.session.add(WorkerHeartbeat(hostname="worker1@box", seen_at=utcnow()))
        db.session.commit()
    make_job(owner, JobStatus.RUNNING, runner="worker1@box box 99")
    make_job(owner, JobStatus.QUEUED)
    make_job(owner, JobStatus.QUEUED)
    body = client.get("/api/v1/admin/workers", headers=admin_headers).json
    assert body["queueLength"] == 2
    [worker] = body["workers"]
    assert worker["name"] == "worker1@box"
    assert worker["host"] == "box"
    assert worker["processes"] == ["box 99"]
    assert worker["alive"] is True
    assert worker["runningJobs"] == 1
    assert worker["lastHeartbeat"].endswith("Z")
