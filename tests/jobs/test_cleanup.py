"""Deleting an account deletes its jobs and their files: an export of its writing must not stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from inkstone.accounts import deletion
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.core.errors import Conflict
from inkstone.extensions import db as _db
from inkstone.jobs import retention
from inkstone.jobs.models import Job, JobStatus
from tests.conftest import DEFAULT_PASSWORD, csrf_token


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def admin_headers(make_user, auth_headers):
    return auth_headers(make_user("boss", role=RoleName.ADMIN))


def _folder(app, job_id: int) -> Path:
    return Path(app.instance_path) / "jobs" / str(job_id)


def _export(client, headers) -> int:
    """Export the user's articles as CSV (the task runs when the request commits)."""
    response = client.post("/api/v1/exports", json={"export": {"format": "csv"}}, headers=headers)
    assert response.status_code == 202, response.json
    return int(response.json["job"]["id"])


def _download(client, job_id: int, headers):
    response = client.get(f"/api/v1/jobs/{job_id}/download", headers=headers)
    response.get_data()
    response.close()
    return response


def _unfinished(app, make_job, owner) -> list[int]:
    """Make a queued job, and a running one halfway through writing its file."""
    queued = make_job(owner, JobStatus.QUEUED, kind="export.csv")
    running = make_job(owner, JobStatus.RUNNING, kind="export.xlsx", progress=40)
    folder = _folder(app, running.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "inkstone-articles.xlsx.part").write_bytes(b"PK half a file")
    return [queued.id, running.id]


def _job_rows(app, user) -> set[int]:
    with app.app_context():
        return set(_db.session.scalars(select(Job.id).where(Job.owner_id == user.id)))


def _delete_by_api(client, headers, **extra):
    body = {"user": {"password": DEFAULT_PASSWORD, **extra}}
    return client.delete("/api/v1/user", json=body, headers=headers)


# --------------------------------------------------------------------------- deleting


def test_deleting_an_account_deletes_its_jobs_and_their_files(
    app, client, alice, bob, auth_headers, admin_headers, make_article, make_job
):
    make_article(alice, title="My secret diary", body="Dear diary")
    make_article(bob, title="Bob's piece")
    headers = auth_headers(alice)
    export = _export(client, headers)
    downloaded = _download(client, export, headers)
    assert downloaded.status_code == 200
    assert "My secret diary" in downloaded.get_data(as_text=True)
    unfinished = _unfinished(app, make_job, alice)
    theirs = _export(client, auth_headers(bob))

    # Articles and comments are kept: the exports of them go all the same.
    assert _delete_by_api(client, headers).status_code == 204

    assert _job_rows(app, alice) == set()
    for job_id in (export, *unfinished):
        assert not _folder(app, job_id).exists()
        # Not even someone allowed to see every job finds them any more.
        assert client.get(f"/api/v1/jobs/{job_id}", headers=admin_headers).status_code == 404
        assert _download(client, job_id, admin_headers).status_code == 404
    listed = client.get("/api/v1/jobs", query_string={"all": "true"}, headers=admin_headers)
    assert export not in {int(job["id"]) for job in listed.json["jobs"]}
    # Another user's jobs are untouched.
    assert _download(client, theirs, auth_headers(bob)).status_code == 200
    assert _folder(app, theirs).is_dir()


def test_deleting_on_the_site_deletes_the_jobs_too(
    app, client, alice, auth_headers, sign_in, make_article, make_job
):
    make_article(alice)
    export = _export(client, auth_headers(alice))
    unfinished = _unfinished(app, make_job, alice)
    sign_in(client, alice)

    data = {
        "csrf_token": csrf_token(client, "/settings/delete"),
        "password": DEFAULT_PASSWORD,
        "content": "remove",
    }
    assert client.post("/settings/delete", data=data).status_code in (302, 303)

    assert _job_rows(app, alice) == set()
    for job_id in (export, *unfinished):
        assert not _folder(app, job_id).exists()


# --------------------------------------------------------------------------- rolled back


def test_a_deletion_that_fails_keeps_every_job_and_file(
    app, client, alice, auth_headers, make_article, make_job, monkeypatch
):
    make_article(alice)
    headers = auth_headers(alice)
    export = _export(client, headers)
    unfinished = _unfinished(app, make_job, alice)

    def fail(*_args, **_kwargs):
        raise Conflict("the audit log is busy")

    # Fails after every receiver of ``account_deleting`` has run: the request rolls back.
    with monkeypatch.context() as patch:
        patch.setattr(deletion, "record_event", fail)
        assert _delete_by_api(client, headers, removeContent=True).status_code == 409
    # A later request commits; nothing of the failed one may be sent with it.
    later = _export(client, headers)

    assert _job_rows(app, alice) == {export, later, *unfinished}
    assert _download(client, export, headers).status_code == 200
    assert _folder(app, unfinished[1]).is_dir()
    running = client.get(f"/api/v1/jobs/{unfinished[1]}", headers=headers).json["job"]
    assert running["status"] == "running"


def test_a_rolled_back_deletion_sends_nothing_with_the_next_commit(
    app, client, alice, auth_headers, make_article
):
    make_article(alice)
    headers = auth_headers(alice)
    export = _export(client, headers)

    with app.app_context():
        user = _db.session.get(User, alice.id)
        deletion.delete_account(user=user, remove_content=False)
        _db.session.rollback()
        user = _db.session.get(User, alice.id)
        user.bio = "changed my mind"
        _db.session.commit()
        assert user.status == UserStatus.ACTIVE

    assert _download(client, export, headers).status_code == 200


# --------------------------------------------------------------------------- the task


def test_removing_results_spares_jobs_that_still_exist(app, alice, make_job):
    kept = make_job(alice, JobStatus.SUCCEEDED)
    _folder(app, kept.id).mkdir(parents=True, exist_ok=True)
    (_folder(app, kept.id) / "export.csv").write_bytes(b"slug\r\n")
    gone_id = kept.id + 1
    _folder(app, gone_id).mkdir(parents=True, exist_ok=True)
    (_folder(app, gone_id) / "export.csv").write_bytes(b"slug\r\n")

    with app.app_context():
        assert retention.remove_job_folders(job_ids=[kept.id, gone_id, gone_id + 1]) == [gone_id]

    assert (_folder(app, kept.id) / "export.csv").is_file()
    assert not _folder(app, gone_id).exists()


def test_removing_results_never_leaves_the_results_folder(app, db, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    root = Path(app.instance_path) / "jobs"
    root.mkdir(parents=True, exist_ok=True)
    link = root / "987654321987"
    link.symlink_to(outside, target_is_directory=True)

    task = app.extensions["celery"].tasks["inkstone.jobs.remove_results"]
    with app.app_context():
        task.delay([987654321987, -1, 0, 2**63]).get(timeout=5)

    assert not link.is_symlink()
    assert (outside / "precious.txt").read_text() == "keep me"
    assert root.is_dir()
