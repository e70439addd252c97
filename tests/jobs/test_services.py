"""Job services: queued after commit, progress seen at once, finished, failed, cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import shared_task
from sqlalchemy import select

from inkstone.auth.models import RoleName
from inkstone.core.db import utcnow
from inkstone.core.db.ids import new_id
from inkstone.core.errors import Conflict, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job, JobStatus, WorkerHeartbeat
from inkstone.jobs.runner import JobCancelled, job_task

SENT: list[int] = []


@shared_task(name="tests.jobs.record")
def record(job_id: int) -> None:
    """Remember which job ids reached the queue."""
    SENT.append(job_id)


@job_task("tests.jobs.count_to_three", kind="count")
def count_to_three(job: Job) -> None:
    """Report three steps of progress, then finish with a summary."""
    for step in (1, 2, 3):
        if not services.report_progress(job=job, percent=step * 33, message=f"step {step}"):
            raise JobCancelled
    services.finish_job(job=job, summary={"steps": 3})


@job_task("tests.jobs.explode", kind="boom")
def explode(job: Job) -> None:
    """Fail halfway."""
    services.report_progress(job=job, percent=50, message="half way")
    raise ValueError("the input was not what we expected")


@pytest.fixture(autouse=True)
def _clear_sent():
    SENT.clear()


def _job(user, **attrs) -> Job:
    job = Job(kind="test", owner_id=user.id, **attrs)
    db.session.add(job)
    db.session.flush()
    return job


def test_snowflake_ids_are_unique_positive_and_grow():
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(0 < i < 2**63 for i in ids)
    assert ids == sorted(ids)


def test_a_job_is_sent_to_the_queue_only_when_the_request_commits(app_ctx, make_user):
    user = make_user()
    job = services.create_job(kind="test", owner=user, task=record, params={"a": 1})
    assert job.status == JobStatus.QUEUED
    assert SENT == []
    db.session.commit()
    assert [job.id] == SENT


def test_a_rolled_back_request_sends_no_job(app_ctx, make_user):
    services.create_job(kind="test", owner=make_user(), task=record, params={})
    db.session.rollback()
    db.session.commit()
    assert SENT == []


def test_a_job_task_reports_progress_and_finishes(app_ctx, make_user):
    job = services.create_job(kind="count", owner=make_user(), task=count_to_three, params={})
    db.session.commit()  # eager mode in tests: the task runs now
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert done.status == JobStatus.SUCCEEDED
    assert done.progress == 100
    assert done.summary == {"steps": 3}
    assert done.attempts == 1
    assert done.started_at <= done.finished_at


def test_a_failing_job_is_marked_failed_with_its_reason(app_ctx, make_user):
    job = services.create_job(kind="boom", owner=make_user(), task=explode, params={})
    db.session.commit()
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.status == JobStatus.FAILED
    assert failed.error == "ValueError: the input was not what we expected"
    assert failed.finished_at is not None


def test_a_cancelled_job_is_not_run(app_ctx, make_user):
    job = _job(make_user(), status=JobStatus.CANCELLED.value, finished_at=utcnow())
    db.session.commit()
    count_to_three.delay(job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.CANCELLED
    assert db.session.get(Job, job.id).attempts == 0


def test_progress_notices_a_cancellation(app_ctx, make_user):
    job = _job(make_user(), status=JobStatus.RUNNING.value)
    assert services.report_progress(job=job, percent=10) is True
    services.cancel_job(job=job)
    assert services.report_progress(job=job, percent=20) is False


@pytest.mark.parametrize("status", [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED])
def test_a_finished_job_cannot_be_cancelled(app_ctx, make_user, status):
    job = _job(make_user(), status=status.value)
    with pytest.raises(Conflict):
        services.cancel_job(job=job)


def test_only_the_owner_or_a_jobs_manager_sees_a_job(app_ctx, make_user):
    owner, other = make_user(), make_user()
    admin = make_user(role=RoleName.ADMIN)
    job = _job(owner)
    assert services.get_job(job_id=job.id, viewer=owner) is job
    assert services.get_job(job_id=job.id, viewer=admin) is job
    for viewer, job_id in ((other, job.id), (owner, 2**63), (owner, 0), (owner, -5)):
        with pytest.raises(NotFound):
            services.get_job(job_id=job_id, viewer=viewer)


def test_lists_show_my_jobs_newest_first_and_everyones_to_a_manager(app_ctx, make_user):
    owner, other = make_user(), make_user()
    admin = make_user(role=RoleName.ADMIN)
    old = _job(owner, created_at=utcnow() - timedelta(hours=1))
    new = _job(owner)
    theirs = _job(other)
    page = PageRequest(limit=20, offset=0)
    assert services.list_jobs(viewer=owner, page=page) == [new, old]
    assert services.list_jobs(viewer=owner, page=page, everyone=True) == [new, old]
    assert set(services.list_jobs(viewer=admin, page=page, everyone=True)) == {old, new, theirs}


def test_the_heartbeat_tells_whether_a_worker_is_alive(app_ctx):
    assert services.worker_alive() is False
    services.beat(hostname="worker@test")
    assert services.worker_alive() is True
    db.session.execute(
        WorkerHeartbeat.__table__.update().values(seen_at=utcnow() - timedelta(minutes=5))
    )
    assert services.worker_alive() is False
    services.beat(hostname="worker@test")
    assert db.session.scalars(select(WorkerHeartbeat.hostname)).all() == ["worker@test"]
    assert services.worker_alive() is True
