"""The back office's jobs pages: everyone's jobs, one job, cancel and retry (audited), workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from inkstone.auth.models import AuditEvent, RoleName
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import Job, JobStatus, WorkerHeartbeat
from tests.admin.conftest import admin, admin_client, moderator, moderator_client
from tests.conftest import csrf_token, page_text, redirect_target

__all__ = ["admin", "admin_client", "moderator", "moderator_client"]

TOO_BIG = 2**63  # past a signed 64-bit id


@pytest.fixture
def owner(make_user):
    return make_user(username="ann")


def _events(app, kind: str) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == kind)))
        for event in found:
            db.session.expunge(event)
    return found


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
    return job


def test_only_jobs_managers_open_the_pages(client, sign_in, make_user, moderator_client, owner):
    job_paths = ("/admin/jobs", "/admin/workers")
    for path in job_paths:
        assert redirect_target(client.get(path)).startswith("/login"), path
        assert moderator_client.get(path).status_code == 403, path
    sign_in(client, make_user(username="writer", role=RoleName.AUTHOR))
    for path in job_paths:
        assert client.get(path).status_code == 403, path


def test_everyone_s_jobs_are_listed_newest_first_with_their_owners(
    admin_client, owner, make_user, make_job
):
    older = make_job(owner, JobStatus.FAILED, kind="export.csv")
    newer = make_job(make_user(username="bob"), JobStatus.RUNNING, kind="import.zip", progress=40)
    page = page_text(admin_client.get("/admin/jobs"))
    assert page.index(f"/admin/jobs/{newer.id}") < page.index(f"/admin/jobs/{older.id}")
    assert "ann" in page
    assert "bob" in page
    assert "1 job is waiting in the queue." not in page
    assert 'href="/admin/jobs"' in page  # the back office's menu has the section


def test_the_list_filters_by_status_kind_and_owner(admin_client, owner, make_user, make_job):
    failed = make_job(owner, JobStatus.FAILED, kind="export.csv")
    queued = make_job(make_user(username="bob"), JobStatus.QUEUED, kind="import.csv")
    page = page_text(admin_client.get("/admin/jobs?status=failed"))
    assert f"/admin/jobs/{failed.id}" in page
    assert f"/admin/jobs/{queued.id}" not in page
    page = page_text(admin_client.get("/admin/jobs?kind=import"))
    assert f"/admin/jobs/{queued.id}" in page
    assert f"/admin/jobs/{failed.id}" not in page
    page = page_text(admin_client.get("/admin/jobs?owner=ANN"))
    assert f"/admin/jobs/{failed.id}" in page
    assert f"/admin/jobs/{queued.id}" not in page
    assert "No job matches." in page_text(admin_client.get("/admin/jobs?owner=nobody"))
    assert "No job matches." in page_text(admin_client.get("/admin/jobs?kind=%25"))
    assert "1 job is waiting in the queue." in page


def test_strange_filters_are_ignored_and_strange_pages_are_not_found(admin_client, owner, make_job):
    job = make_job(owner)
    for query in ("status=bogus", "kind=" + "x" * 500, "owner=" + "y" * 5000, "status=%00"):
        response = admin_client.get(f"/admin/jobs?{query}")
        assert response.status_code == 200, query
        assert f"/admin/jobs/{job.id}" in page_text(response), query
    for page in ("0", "-1", "abc", "99999999999999"):
        assert admin_client.get(f"/admin/jobs?page={page}").status_code == 404, page
    assert admin_client.get("/admin/jobs?page=2").status_code == 404  # past the last page


def test_a_job_s_page_shows_what_it_was_asked_and_how_it_went(app, admin_client, owner, make_job):
    job = make_job(
        owner,
        JobStatus.FAILED,
        kind="export.csv",
        error="ValueError: the disk is full",
        attempts=2,
        runner="worker1@box box 4242",
        progress=30,
    )
    with app.app_context():
        db.session.execute(
            update(Job).where(Job.id == job.id).values(params={"format": "csv", "scope": "mine"})
        )
        db.session.commit()
    page = page_text(admin_client.get(f"/admin/jobs/{job.id}"))
    for text in ("ann", "format", "mine", "ValueError: the disk is full", "worker1@box box 4242"):
        assert text in page, text
    assert "Retry the job" in page
    assert "Cancel the job" not in page


def test_unknown_and_impossible_jobs_are_not_found(admin_client):
    for job_id in (1, TOO_BIG, 10**30):
        assert admin_client.get(f"/admin/jobs/{job_id}").status_code == 404
    token = csrf_token(admin_client, "/admin/audit")
    for action in ("cancel", "retry"):
        path = f"/admin/jobs/{TOO_BIG}/{action}"
        assert admin_client.post(path, data={"csrf_token": token}).status_code == 404


def test_an_admin_cancels_anyone_s_job_and_it_is_logged(app, admin_client, admin, owner, make_job):
    job = make_job(owner, JobStatus.RUNNING)
    token = csrf_token(admin_client, f"/admin/jobs/{job.id}")
    response = admin_client.post(f"/admin/jobs/{job.id}/cancel", data={"csrf_token": token})
    assert redirect_target(response) == f"/admin/jobs/{job.id}"
    assert _job(app, job.id).status == JobStatus.CANCELLED
    [event] = _events(app, "job.cancelled")
    assert (event.user_id, event.actor_id) == (owner.id, admin.id)
    assert event.detail["kind"] == "export"
    page = page_text(admin_client.get(f"/admin/jobs/{job.id}"))
    assert "The job was cancelled." in page


def test_a_finished_job_is_not_cancelled(app, admin_client, owner, make_job):
    job = make_job(owner, JobStatus.SUCCEEDED)
    token = csrf_token(admin_client, f"/admin/jobs/{job.id}")
    admin_client.post(f"/admin/jobs/{job.id}/cancel", data={"csrf_token": token})
    assert _job(app, job.id).status == JobStatus.SUCCEEDED
    assert not _events(app, "job.cancelled")
    assert "nothing to cancel" in page_text(admin_client.get(f"/admin/jobs/{job.id}"))


def test_cancel_and_retry_need_the_csrf_token(app, admin_client, owner, make_job):
    job = make_job(owner, JobStatus.FAILED, kind="audit.csv")
    for action in ("cancel", "retry"):
        assert admin_client.post(f"/admin/jobs/{job.id}/{action}").status_code == 400
    assert _job(app, job.id).status == JobStatus.FAILED


def test_a_failed_job_is_retried_runs_again_and_it_is_logged(
    app, admin_client, admin, owner, make_job
):
    # An audit log export: its task is registered, and it succeeds when it runs.
    job = make_job(owner, JobStatus.FAILED, kind="audit.csv", error="boom", attempts=3)
    token = csrf_token(admin_client, f"/admin/jobs/{job.id}")
    response = admin_client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})
    assert redirect_target(response) == f"/admin/jobs/{job.id}"
    retried = _job(app, job.id)
    assert retried.status == JobStatus.SUCCEEDED  # the task ran (eagerly) once committed
    assert retried.error is None
    assert retried.attempts == 1
    assert retried.result_filename
    assert retried.result_filename.endswith(".csv")
    [event] = _events(app, "job.retried")
    assert (event.user_id, event.actor_id) == (owner.id, admin.id)


def test_only_a_failed_job_is_retried(app, admin_client, owner, make_job):
    job = make_job(owner, JobStatus.RUNNING, kind="audit.csv")
    token = csrf_token(admin_client, f"/admin/jobs/{job.id}")
    admin_client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})
    assert _job(app, job.id).status == JobStatus.RUNNING
    assert "Only a failed job can be retried." in page_text(
        admin_client.get(f"/admin/jobs/{job.id}")
    )
    assert not _events(app, "job.retried")


def test_workers_show_their_process_heartbeat_running_jobs_and_the_queue(
    app, admin_client, owner, make_job
):
    with app.app_context():
        db.session.add(WorkerHeartbeat(hostname="worker1@box", seen_at=utcnow()))
        db.session.add(
            WorkerHeartbeat(hostname="worker2@old", seen_at=utcnow() - timedelta(hours=2))
        )
        db.session.commit()
    make_job(owner, JobStatus.RUNNING, runner="worker1@box box 4242")
    make_job(owner, JobStatus.RUNNING, runner="worker1@box box 4243")
    make_job(owner, JobStatus.QUEUED)
    page = page_text(admin_client.get("/admin/workers"))
    row = page.split("worker1@box</th>", 1)[1].split("</tr>", 1)[0]
    assert "box 4242, box 4243" in row
    assert "<td>2</td>" in row
    assert "Alive" in row
    old = page.split("worker2@old</th>", 1)[1].split("</tr>", 1)[0]
    assert "Not responding" in old
    assert "<td>0</td>" in old
    assert "1 job is waiting in the queue." in page
