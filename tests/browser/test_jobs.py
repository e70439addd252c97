"""A job's page in a real browser: the bar follows the job live, and its outcome appears."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import Job, JobStatus
from tests.browser.test_journeys import register

pytestmark = pytest.mark.slow


def _job_of(live_server, username: str) -> int:
    with live_server.app.app_context():
        owner = db.session.scalar(select(User).where(User.username == username))
        assert owner is not None
        job = Job(
            kind="import.csv",
            owner_id=owner.id,
            status=JobStatus.RUNNING.value,
            progress=40,
            message="10 of 25 rows",
            started_at=utcnow(),
        )
        db.session.add(job)
        db.session.commit()
        return job.id


def _set(live_server, job_id: int, **values) -> None:
    """Change the job as its worker would (another process, committed at once)."""
    with live_server.app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()


def test_the_bar_follows_the_job_and_the_import_report_appears_when_it_ends(new_page, live_server):
    page, _ = new_page()
    username = register(page, "importer")
    job_id = _job_of(live_server, username)

    page.goto(f"/jobs/{job_id}")
    expect(page.get_by_role("heading", name="Import")).to_be_visible()
    expect(page.locator("[data-job-percent]")).to_have_text("40")

    _set(live_server, job_id, progress=80, message="20 of 25 rows")
    expect(page.locator("[data-job-percent]")).to_have_text("80")
    expect(page.locator("[data-job-message]")).to_have_text("20 of 25 rows")

    summary = {
        "created": 23,
        "skipped": 1,
        "failed": 1,
        "errors": [{"line": 7, "reason": "title: can't be blank"}],
    }
    _set(
        live_server,
        job_id,
        status=JobStatus.SUCCEEDED.value,
        progress=100,
        summary=summary,
        message="Imported: 23 created, 1 skipped, 1 failed",
        finished_at=utcnow(),
    )
    report = page.locator("[data-job-report]")
    expect(report).to_be_visible()  # without reloading by hand
    expect(report.locator("[data-report-created]")).to_have_text("23")
    expect(report.get_by_role("row", name="7 title: can't be blank")).to_be_visible()
    expect(page.locator("[data-job-percent]")).to_have_text("100")
    expect(page.get_by_role("button", name="Cancel the job")).to_be_hidden()
    assert page.url.endswith(f"/jobs/{job_id}")
