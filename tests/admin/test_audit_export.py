"""Exporting the audit log as CSV: a job, from the page or the API, of the filtered events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from inkstone.auth.models import AuditEvent, RoleName
from inkstone.extensions import db
from inkstone.jobs.models import Job, JobStatus
from tests.conftest import csrf_token, redirect_target

DAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HEADER = ["time", "event", "what", "user", "actor", "ip", "user_agent", "detail"]


@pytest.fixture
def ann(make_user):
    return make_user(username="ann")


@pytest.fixture
def log(app, db, admin, moderator, ann):
    """Events whose cells a spreadsheet would run as formulas, and one of another kind."""
    with app.app_context():
        db.session.add_all(
            [
                AuditEvent(
                    event="article.hidden",
                    user_id=ann.id,
                    actor_id=moderator.id,
                    created_at=DAY,
                    ip="192.0.2.7",
                    user_agent='=HYPERLINK("http://evil.example")',
                    detail={"title": "+1 spam"},
                ),
                AuditEvent(
                    event="article.hidden",
                    user_id=ann.id,
                    actor_id=moderator.id,
                    created_at=DAY.replace(day=21),
                    ip="-1",
                    user_agent="@SUM(A1:A9)",
                    detail={"title": "Quiet"},
                ),
                AuditEvent(
                    event="upload.removed",
                    user_id=ann.id,
                    actor_id=admin.id,
                    created_at=DAY,
                    detail={"filename": "cat.png"},
                ),
            ]
        )
        db.session.commit()


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
    return job


def _csv(client, job_id: int) -> list[list[str]]:
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    response.close()  # the file it sent
    return list(csv.reader(io.StringIO(text)))


def test_the_page_exports_the_filtered_events_with_escaped_cells(app, admin_client, admin, log):
    token = csrf_token(admin_client, "/admin/audit")
    response = admin_client.post(
        "/admin/audit/export",
        data={"csrf_token": token, "event": "article.hidden", "user": "ann", "from": "2026-11-01"},
    )
    target = redirect_target(response)
    assert target.startswith("/jobs/")
    job = _job(app, int(target.rsplit("/", 1)[1]))
    assert job.status == JobStatus.SUCCEEDED  # run (eagerly) once the request committed
    assert job.kind == "audit.csv"
    assert job.summary == {"events": 2}
    assert job.owner_id == admin.id
    rows = _csv(admin_client, job.id)
    assert rows[0] == HEADER
    assert len(rows) == 3  # the header and the two hidden articles, no upload
    newest, oldest = rows[1], rows[2]
    assert newest[0] == "2026-11-21T12:00:00Z"
    assert newest[1] == "article.hidden"
    assert newest[2] == "Article hidden: Quiet (by mod)"
    assert newest[3:5] == ["ann", "mod"]
    assert newest[5] == "'-1"
    assert newest[6] == "'@SUM(A1:A9)"
    assert oldest[6] == '\'=HYPERLINK("http://evil.example")'
    assert oldest[2] == "Article hidden: +1 spam (by mod)"
    assert '"title": "+1 spam"' in oldest[7]


def test_the_export_is_logged_with_its_filters(app, admin_client, admin, log):
    token = csrf_token(admin_client, "/admin/audit")
    admin_client.post("/admin/audit/export", data={"csrf_token": token, "actor": "root"})
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "audit.exported")
        ).all()
        assert event.actor_id == admin.id
        assert event.user_id is None
        assert event.detail["filters"] == {"actor": "root"}
        assert event.detail["job"]


def test_an_export_needs_the_csrf_token(app, admin_client):
    assert admin_client.post("/admin/audit/export", data={"event": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Job).where(Job.kind == "audit.csv")) is None


def test_an_export_naming_nobody_has_only_its_header(app, moderator_client, log):
    token = csrf_token(moderator_client, "/admin/audit")
    response = moderator_client.post(
        "/admin/audit/export", data={"csrf_token": token, "actor": "nobody", "from": "bad"}
    )
    job_id = int(redirect_target(response).rsplit("/", 1)[1])
    assert _job(app, job_id).status == JobStatus.SUCCEEDED
    assert _csv(moderator_client, job_id) == [HEADER]


def test_the_api_starts_an_export_job(app, client, auth_headers, admin, log):
    headers = auth_headers(admin)
    response = client.post(
        "/api/v1/admin/audit/exports",
        json={"export": {"event": "upload.removed", "from": "2026-11-20", "to": "2026-11-20"}},
        headers=headers,
    )
    assert response.status_code == 202, response.json
    job = response.json["job"]
    assert job["kind"] == "audit.csv"
    assert job["status"] == "succeeded"
    assert job["summary"] == {"events": 1}
    download = client.get(job["result"]["url"], headers=headers)
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    download.close()
    assert [row[1] for row in rows[1:]] == ["upload.removed"]
    everything = client.post("/api/v1/admin/audit/exports", json={}, headers=headers)
    assert everything.status_code == 202
    assert everything.json["job"]["summary"]["events"] >= 3


@pytest.mark.parametrize(
    "body",
    [
        {"export": {"from": "2026-02-30"}},
        {"export": {"event": "bogus"}},
        {"export": {"actor": ""}},
        {"export": "everything"},
    ],
)
def test_the_api_refuses_bad_filters(client, auth_headers, admin, body):
    response = client.post("/api/v1/admin/audit/exports", json=body, headers=auth_headers(admin))
    assert response.status_code == 422
    assert "errors" in response.json


def test_authors_cannot_export(client, auth_headers, make_user):
    author = auth_headers(make_user(username="writer", role=RoleName.AUTHOR))
    assert client.post("/api/v1/admin/audit/exports", json={}, headers=author).status_code == 403
    assert client.post("/api/v1/admin/audit/exports", json={}).status_code == 401


def test_events_are_written_page_by_page_newest_first(app, admin, ann, tmp_path):
    from inkstone.admin.audit_export import make_filters, write_events

    with app.app_context():
        for minute in range(7):
            db.session.add(
                AuditEvent(
                    event="comment.removed",
                    user_id=ann.id,
                    actor_id=admin.id,
                    created_at=DAY.replace(minute=minute % 3),  # ties broken by id
                )
            )
        job = Job(kind="audit.csv", owner_id=admin.id, params={})
        db.session.add(job)
        db.session.commit()
        path = tmp_path / "audit.csv"
        with app.test_request_context():
            count = write_events(
                job=job, path=path, filters=make_filters(event="comment.removed"), batch=2
            )
        progress = db.session.scalar(select(Job.progress).where(Job.id == job.id))
    assert count == 7
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
    times = [row[0] for row in rows]
    assert len(rows) == 7
    assert times == sorted(times, reverse=True)
    assert 0 < progress < 100  # reported after each full page
