"""Jobs run by a real Celery worker, asked for through the API as a user would.

The site and the worker share one migrated instance folder (its SQLite database, the embedded
SQLite broker, the result and upload files). The export, the import and the thumbnails run
again through Redis when ``INKSTONE_TEST_REDIS_URL`` is set. A worker killed in the middle of
an export leaves no file to download; the next worker to start queues the job again and
finishes it. A prefork pool process killed mid-export: the task is delivered again and takes
the job over.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, insert, select

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.auth.tokens import issue_token
from inkstone.core.db.ids import new_id
from inkstone.extensions import db
from inkstone.jobs.models import Job
from tests.conftest import require_service
from tests.worker_helpers import (
    CELERY,
    child_pids,
    file_app,
    start_worker,
    stop,
    wait_until_ready,
)

REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")
DONE_TIMEOUT = 60  # seconds for a job to finish
HEADER = "slug,title,description,body,tags,published,created_at,updated_at,author"

pytestmark = [
    pytest.mark.slow,
    # kombu's SQLAlchemy transport maps a relationship with lazy="noload" (deprecated in 2.1).
    pytest.mark.filterwarnings(
        "ignore:The ``noload`` loader strategy is deprecated:sqlalchemy.exc.SADeprecationWarning"
    ),
]


@dataclass
class Site:
    """The web app (tasks sent to a broker, not run eagerly), its instance folder and a user."""

    app: Flask
    instance: Path
    user_id: int
    headers: dict[str, str]


def _make_site(instance: Path, **settings: Any) -> Site:
    app, user_id = file_app(instance, CELERY_TASK_ALWAYS_EAGER=False, **settings)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        # A token made with this app's own key (every test app has its own secret).
        headers = {"Authorization": f"Token {issue_token(user)}"}
    return Site(app=app, instance=instance, user_id=user_id, headers=headers)


def _close(site: Site) -> None:
    site.app.extensions["celery"].close()
    with site.app.app_context():
        db.engine.dispose()


def _started(
    site: Site, log: Path, pool: str = "threads", **settings: str
) -> subprocess.Popen[bytes]:
    require_service("the celery command", CELERY.exists(), str(CELERY))
    after = log.stat().st_size if log.exists() else 0
    worker = start_worker(site.instance, log, settings=settings, pool=pool)
    problem = wait_until_ready(worker, log, after=after)
    if problem is not None:
        stop(worker)
        require_service("a Celery worker", False, problem)
    return worker


def _job(site: Site, job_id: str) -> Job:
    with site.app.app_context():
        job = db.session.get(Job, int(job_id))
        assert job is not None
        db.session.expunge(job)
        return job


def _wait_for(site: Site, job_id: str, log: Path, until: Any, timeout: float = DONE_TIMEOUT) -> Job:
    """Poll the job until ``until(job)``; fail with the worker's log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        job = _job(site, job_id)
        if until(job):
            return job
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            pytest.fail(f"{job!r} (error {job.error!r}) after {timeout}s; worker:\n{tail}")
        time.sleep(0.05)


def _finished(job: Job) -> bool:
    return job.is_finished


def _add_articles(site: Site, count: int, body: str = "Some body text.") -> None:
    """Insert ``count`` published articles of the site's user at once (bulk, not one by one)."""
    rows = [
        {
            "id": new_id(),
            "slug": f"bulk-{n}-{new_id()}",
            "title": f"Bulk article {n}",
            "description": "Made in bulk",
            "body": body,
            "author_id": site.user_id,
        }
        for n in range(count)
    ]
    with site.app.app_context():
        db.session.execute(insert(Article), rows)
        db.session.commit()


def _download(site: Site, job_id: str) -> tuple[int, bytes]:
    response = site.app.test_client().get(f"/api/v1/jobs/{job_id}/download", headers=site.headers)
    data = response.get_data()
    response.close()
    return response.status_code, data


def _export(site: Site) -> str:
    response = site.app.test_client().post(
        "/api/v1/exports", json={"export": {"format": "csv"}}, headers=site.headers
    )
    assert response.status_code == 202, response.get_json()
    job = response.get_json()["job"]
    # Not run in the request (tasks are not eager here): a fast worker may have started it
    # between the commit and this answer, but the request itself never runs it.
    assert job["status"] in ("queued", "running", "succeeded")
    with site.app.app_context():
        assert site.app.extensions["celery"].conf.task_always_eager is False
    return str(job["id"])


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site and one worker on the embedded SQLite broker, for the module's tests."""
    made = _make_site(tmp_path_factory.mktemp("worker") / "instance")
    _add_articles(made, 3)
    yield made
    _close(made)


@pytest.fixture(scope="module")
def worker_log(site: Site) -> Iterator[Path]:
    """Start the module's worker; give its log."""
    log = site.instance.parent / "worker.log"
    worker = _started(site, log)
    yield log
    stop(worker)


@pytest.fixture(scope="module")
def redis_site(site: Site) -> Iterator[tuple[Site, Path]]:
    """The same site, and a worker of its own, with Redis as the broker."""
    require_service("Redis", bool(REDIS_URL), "set INKSTONE_TEST_REDIS_URL=redis://…")
    made = _make_site(site.instance, CELERY_BROKER_URL=REDIS_URL)
    log = site.instance.parent / "redis-worker.log"
    worker = _started(made, log, CELERY_BROKER_URL=REDIS_URL)
    yield made, log
    stop(worker)
    _close(made)


# --------------------------------------------------------------------------- the jobs


BROKERS = pytest.mark.parametrize(
    "broker", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]
)


def _with_broker(request: pytest.FixtureRequest, site: Site, broker: str) -> tuple[Site, Path]:
    """Return the site and the log of a worker on ``broker`` (the embedded SQLite, or Redis)."""
    if broker == "redis":
        used: tuple[Site, Path] = request.getfixturevalue("redis_site")
        return used
    return site, request.getfixturevalue("worker_log")


@BROKERS
def test_an_export_runs_in_the_worker_and_downloads(request, site, broker):
    used, log = _with_broker(request, site, broker)
    job_id = _export(used)
    job = _wait_for(used, job_id, log, _finished)
    assert job.status == "succeeded", job.error
    assert job.summary == {"articles": 3, "format": "csv", "scope": "mine"}
    assert (used.instance / "jobs" / job_id / str(job.result_filename)).is_file()
    status, data = _download(used, job_id)
    assert status == 200
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 4


@BROKERS
def test_an_import_runs_in_the_worker_and_creates_articles(request, site, broker):
    site, worker_log = _with_broker(request, site, broker)
    titles_sent = {f"Imported by the worker ({broker})", f"Another one ({broker})"}
    first, second = sorted(titles_sent)
    csv = "\r\n".join(
        [
            HEADER,
            f"a,{first},,Its body,,true,,,writer",
            f"b,{second},,Body,,false,,,x",
        ]
    )
    response = site.app.test_client().post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(("\ufeff" + csv + "\r\n").encode()), "articles.csv")},
        headers=site.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_json()
    job = _wait_for(site, str(response.get_json()["job"]["id"]), worker_log, _finished)
    assert job.status == "succeeded", job.error
    assert job.summary is not None
    assert job.summary["created"] == 2
    with site.app.app_context():
        titles = set(
            db.session.scalars(select(Article.title).where(Article.title.in_(sorted(titles_sent))))
        )
    assert titles == titles_sent


@BROKERS
def test_an_uploads_thumbnails_are_made_by_the_worker(request, site, broker):
    site, worker_log = _with_broker(request, site, broker)
    buffer = io.BytesIO()
    colour = (200, 30, 30) if broker == "sqlite" else (30, 30, 200)  # not deduplicated
    Image.new("RGB", (900, 600), colour).save(buffer, "PNG")
    client = site.app.test_client()
    response = client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(buffer.getvalue()), "red.png", "image/png")},
        headers=site.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    upload = response.get_json()["upload"]
    assert upload["thumbnails"] == {}  # not made in the request
    deadline = time.monotonic() + DONE_TIMEOUT
    while not upload["thumbnails"]:
        if time.monotonic() > deadline:
            pytest.fail("no thumbnails:\n" + worker_log.read_text(errors="replace")[-3000:])
        time.sleep(0.1)
        upload = client.get(f"/api/v1/uploads/{upload['id']}", headers=site.headers).get_json()[
            "upload"
        ]
    assert set(upload["thumbnails"]) == {"96", "400", "1200"}
    thumbnail = client.get(upload["thumbnails"]["96"])
    image = Image.open(io.BytesIO(thumbnail.get_data()))
    thumbnail.close()
    assert thumbnail.status_code == 200
    assert max(image.size) == 96


# --------------------------------------------------------------------------- a killed worker


def test_a_killed_worker_leaves_no_file_and_the_next_worker_finishes_the_export(tmp_path):
    killed = _make_site(tmp_path / "instance")
    log = tmp_path / "worker.log"
    count = 40_000
    _add_articles(killed, count, body="A body of some length. " * 20)
    worker = _started(killed, log)
    try:
        job_id = _export(killed)
        job = _wait_for(killed, job_id, log, lambda job: job.progress > 0 or job.is_finished)
        assert job.status == "running", "the export was too quick to be killed in the middle"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

        job = _job(killed, job_id)
        assert job.status != "succeeded"
        folder = killed.instance / "jobs" / job_id
        assert [p.name for p in folder.iterdir() if not p.name.endswith(".part")] == []
        assert _download(killed, job_id)[0] == 404

        worker = _started(killed, log)  # requeues the job its predecessor left running
        job = _wait_for(killed, job_id, log, _finished)
        assert job.status == "succeeded", job.error
        assert job.attempts == 2
        assert job.summary is not None
        assert job.summary["articles"] == count
        assert [p.name for p in folder.iterdir()] == [job.result_filename]
        status, data = _download(killed, job_id)
        assert status == 200
        with killed.app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Article)) == count
        assert data.decode("utf-8-sig").count("\nbulk-") == count
    finally:
        stop(worker)
        _close(killed)


def test_a_killed_pool_process_s_export_is_taken_over_by_the_redelivered_task(tmp_path):
    """Prefork: the task's child process dies; Celery redelivers it; the job still finishes."""
    site = _make_site(tmp_path / "instance")
    log = tmp_path / "worker.log"
    count = 40_000
    _add_articles(site, count, body="A body of some length. " * 20)
    worker = _started(site, log, pool="prefork")
    try:
        job_id = _export(site)
        job = _wait_for(site, job_id, log, lambda job: job.progress > 0 or job.is_finished)
        assert job.status == "running", "the export was too quick to be killed in the middle"
        runner_pid = int((job.runner or "").rsplit(" ", 1)[-1])
        assert runner_pid in child_pids(worker.pid)  # a pool process, not the worker itself
        os.kill(runner_pid, signal.SIGKILL)

        job = _wait_for(site, job_id, log, _finished)
        assert job.status == "succeeded", job.error
        assert job.attempts == 2
        assert job.summary is not None
        assert job.summary["articles"] == count
        folder = site.instance / "jobs" / job_id
        assert [p.name for p in folder.iterdir()] == [job.result_filename]
        status, data = _download(site, job_id)
        assert status == 200
        assert data.decode("utf-8-sig").count("\nbulk-") == count
    finally:
        stop(worker)
        _close(site)
