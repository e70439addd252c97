"""The jobs pages: my jobs, one job with its live progress, cancel, download, the worker warning."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from inkstone.auth.models import RoleName
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import Job, JobStatus, WorkerHeartbeat
from tests.conftest import csrf_token, page_text, redirect_target

NO_WORKER = "No job worker is running: jobs wait until one starts."


@pytest.fixture
def owner(make_user):
    return make_user(username="owner")


@pytest.fixture
def signed_in(client, owner, sign_in):
    sign_in(client, owner)
    return client


def _worker_seen(app, hostname: str, ago: timedelta) -> None:
    with app.app_context():
        db.session.add(WorkerHeartbeat(hostname=hostname, seen_at=utcnow() - ago))
        db.session.commit()


def test_visitors_are_sent_to_sign_in(client, owner, make_job):
    job = make_job(owner)
    for path in ("/jobs", f"/jobs/{job.id}", f"/jobs/{job.id}.json", f"/jobs/{job.id}/events"):
        assert redirect_target(client.get(path)).startswith("/login"), path


def test_my_jobs_are_listed_with_status_and_progress_and_a_link(signed_in, owner, make_job):
    job = make_job(owner, JobStatus.RUNNING, progress=42)
    page = page_text(signed_in.get("/jobs"))
    assert "Your jobs" in page
    assert f'href="/jobs/{job.id}"' in page
    assert "Running" in page
    assert "42 %" in page
    assert 'href="/jobs"' in page_text(signed_in.get("/"))  # the menu links here


def test_someone_else_s_jobs_are_neither_listed_nor_shown(signed_in, make_user, make_job):
    other = make_job(make_user(username="other"), JobStatus.SUCCEEDED)
    assert f"/jobs/{other.id}" not in page_text(signed_in.get("/jobs"))
    for path in ("", ".json", "/events", "/download"):
        assert signed_in.get(f"/jobs/{other.id}{path}").status_code == 404, path


def test_an_admin_may_open_anyone_s_job(client, sign_in, make_user, make_job):
    job = make_job(make_user(username="other"), JobStatus.RUNNING)
    sign_in(client, make_user(username="boss", role=RoleName.ADMIN))
    assert client.get(f"/jobs/{job.id}").status_code == 200


def test_the_worker_warning_shows_only_when_a_job_waits_for_a_missing_worker(
    app, signed_in, owner, make_job
):
    done = make_job(owner, JobStatus.SUCCEEDED)
    assert NO_WORKER not in page_text(signed_in.get("/jobs"))  # nothing waits
    waiting = make_job(owner)
    assert NO_WORKER in page_text(signed_in.get("/jobs"))
    assert NO_WORKER in page_text(signed_in.get(f"/jobs/{waiting.id}"))
    assert NO_WORKER not in page_text(signed_in.get(f"/jobs/{done.id}"))
    _worker_seen(app, "celery@old", timedelta(hours=1))  # long gone
    assert NO_WORKER in page_text(signed_in.get("/jobs"))
    _worker_seen(app, "celery@new", timedelta(seconds=0))
    assert NO_WORKER not in page_text(signed_in.get("/jobs"))


def test_the_job_page_watches_progress_through_events_with_a_polling_fallback(
    signed_in, owner, make_job
):
    job = make_job(owner, JobStatus.RUNNING, progress=30, message="Writing rows")
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert 'role="progressbar"' in page
    assert 'aria-valuenow="30"' in page
    assert "Writing rows" in page
    assert f'data-events-url="/jobs/{job.id}/events"' in page
    assert f'data-json-url="/jobs/{job.id}.json"' in page
    assert "/static/js/jobs.js" in page
    assert "Cancel the job" in page
    polled = signed_in.get(f"/jobs/{job.id}.json")
    assert polled.json["job"]["progress"] == 30
    assert polled.json["job"]["id"] == str(job.id)


def test_the_site_event_stream_uses_the_web_session(signed_in, owner, make_job):
    job = make_job(owner, JobStatus.CANCELLED)
    response = signed_in.get(f"/jobs/{job.id}/events")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    body = response.get_data(as_text=True)
    assert "event: progress" in body
    assert body.rstrip().split("\n\n")[-1].startswith("event: end")


def test_a_failed_job_shows_its_error(signed_in, owner, make_job):
    job = make_job(owner, JobStatus.FAILED, error="The disk is full.")
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert "The disk is full." in page
    assert "Failed" in page


def test_a_succeeded_job_offers_its_file(signed_in, owner, make_job, result_file):
    job = make_job(
        owner, JobStatus.SUCCEEDED, result_path=result_file(), result_filename="articles.csv"
    )
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert f'href="/jobs/{job.id}/download"' in page
    assert "articles.csv" in page
    response = signed_in.get(f"/jobs/{job.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_cancelling_a_running_job(app, signed_in, owner, make_job):
    job = make_job(owner, JobStatus.RUNNING)
    token = csrf_token(signed_in, f"/jobs/{job.id}")
    response = signed_in.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token})
    assert redirect_target(response) == f"/jobs/{job.id}"
    assert "The job was cancelled." in page_text(signed_in.get(f"/jobs/{job.id}"))
    with app.app_context():
        assert db.session.get(Job, job.id).status == JobStatus.CANCELLED


def test_cancelling_a_finished_job_says_so(app, signed_in, owner, make_job):
    job = make_job(owner, JobStatus.SUCCEEDED)
    token = csrf_token(signed_in, "/jobs")
    response = signed_in.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token})
    assert redirect_target(response) == f"/jobs/{job.id}"
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert "This job has already finished: there is nothing to cancel." in page
    with app.app_context():
        assert db.session.get(Job, job.id).status == JobStatus.SUCCEEDED


def test_cancel_needs_the_csrf_token(signed_in, owner, make_job):
    job = make_job(owner)
    assert signed_in.post(f"/jobs/{job.id}/cancel").status_code == 400


@pytest.mark.parametrize("path", ["/jobs/0", "/jobs/9223372036854775808", "/jobs?page=0"])
def test_impossible_addresses_are_not_found(signed_in, path):
    assert signed_in.get(path).status_code == 404


# --------------------------------------------------------------------------- kinds and reports


def test_jobs_are_named_in_words(signed_in, owner, make_job):
    kinds = {
        "export.csv": "CSV export",
        "export.xlsx": "Excel export",
        "export.pdf": "PDF export",
        "import.zip": "Import",
    }
    jobs = {kind: make_job(owner, JobStatus.RUNNING, kind=kind) for kind in kinds}
    listed = page_text(signed_in.get("/jobs"))
    for kind, words in kinds.items():
        assert f'href="/jobs/{jobs[kind].id}">{words}</a>' in listed
        assert kind not in listed
        page = page_text(signed_in.get(f"/jobs/{jobs[kind].id}"))
        assert f'<h1 class="h2 mb-3">{words}</h1>' in page
        assert kind not in page


IMPORT_SUMMARY = {
    "created": 3,
    "skipped": 1,
    "failed": 25,
    "errors": [{"line": "posts/broken.md", "reason": "the front matter is not valid YAML"}]
    + [
        {"line": line, "reason": "title: Missing data for required field."} for line in range(2, 26)
    ],
}


def test_a_finished_import_shows_its_report_not_its_last_progress(signed_in, owner, make_job):
    job = make_job(
        owner,
        JobStatus.SUCCEEDED,
        kind="import.zip",
        summary=IMPORT_SUMMARY,
        message="2975 of 3000 rows",
    )
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert "Imported: 3 created, 1 skipped, 25 failed" in page
    assert "2975 of 3000 rows" not in page
    assert "Import report" in page
    assert re.search(r"Articles created</dt>\s*<dd[^>]*>3</dd>", page)
    assert re.search(r"Skipped</dt>\s*<dd[^>]*>1</dd>", page)
    assert re.search(r"Failed</dt>\s*<dd[^>]*>25</dd>", page)
    assert "you have an article with the same title and body" in page
    # The first rows that failed, with line (or file) and reason; the rest counted.
    rows = re.findall(r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<td>([^<]*)</td>", page)
    assert len(rows) == 20
    assert rows[0] == ("posts/broken.md", "the front matter is not valid YAML")
    assert rows[1] == ("2", "title: Missing data for required field.")
    assert "… and 5 more rows that were not imported." in page


def test_the_report_is_in_the_reader_s_language(signed_in, owner, make_job):
    job = make_job(owner, JobStatus.SUCCEEDED, kind="import.csv", summary=IMPORT_SUMMARY)
    page = page_text(signed_in.get(f"/jobs/{job.id}", headers={"Accept-Language": "zh-CN"}))
    assert '<h1 class="h2 mb-3">导入</h1>' in page
    assert "导入完成：新建 3 篇，跳过 1 篇，失败 25 篇" in page
    assert "导入报告" in page
    assert "未能导入的行" in page
    assert "……另有 5 行未能导入。" in page
    listed = page_text(signed_in.get("/jobs", headers={"Accept-Language": "zh-CN"}))
    assert f'href="/jobs/{job.id}">导入</a>' in listed
    export = make_job(owner, JobStatus.SUCCEEDED, kind="export.xlsx", summary={"articles": 2})
    page = page_text(signed_in.get(f"/jobs/{export.id}", headers={"Accept-Language": "zh-CN"}))
    assert '<h1 class="h2 mb-3">Excel 导出</h1>' in page
    assert "已导出 2 篇文章" in page


def test_an_import_without_failures_shows_no_table(signed_in, owner, make_job):
    summary = {"created": 2, "skipped": 0, "failed": 0, "errors": []}
    job = make_job(owner, JobStatus.SUCCEEDED, kind="import.csv", summary=summary)
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert "Imported: 2 created, 0 skipped, 0 failed" in page
    assert "Rows that were not imported" not in page
    assert "more rows" not in page
    assert "same title and body" not in page


def test_a_finished_export_says_how_many_articles_it_wrote(signed_in, owner, make_job):
    job = make_job(
        owner, JobStatus.SUCCEEDED, kind="export.pdf", summary={"articles": 1}, message="stale"
    )
    page = page_text(signed_in.get(f"/jobs/{job.id}"))
    assert "Exported 1 article" in page
    assert "Exported 1 articles" not in page
    assert "stale" not in page
    assert "Import report" not in page
