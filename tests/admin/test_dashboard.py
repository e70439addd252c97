"""The back office's dashboard: counts, charts, reports, workers and the latest audit events."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from inkstone.admin.dashboard import human_bytes
from inkstone.admin.models import Report, ReportTarget
from inkstone.articles.models import Article, Comment
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.guestbook.models import GuestbookMessage
from inkstone.jobs.models import Job, WorkerHeartbeat
from tests.conftest import page_text, redirect_target
from tests.media.conftest import UPLOADS, image_bytes

DASHBOARD = "/admin/"
COUNT = re.compile(r'data-count="([\w.]+)"[^>]*>([\d,]+)<')


def _counts(response) -> dict[str, int]:
    """Return the numbers the "at a glance" cards show, by their ``data-count`` key."""
    assert response.status_code == 200
    return {key: int(value.replace(",", "")) for key, value in COUNT.findall(page_text(response))}


def _chart(page: str, metric: str) -> str:
    match = re.search(
        rf'<svg class="chart[^"]*"[^>]*aria-labelledby="chart-{metric}-title.*?</svg>', page, re.S
    )
    assert match, f"no {metric} chart"
    return match.group(0)


def _bars(page: str, metric: str) -> list[tuple[str, int]]:
    """Return (day, count) of every bar of a chart, oldest first."""
    found = re.findall(
        r'<rect class="chart-bar"[^>]*data-day="([\d-]+)" data-count="(\d+)"', _chart(page, metric)
    )
    return [(day, int(count)) for day, count in found]


def _upload(client, headers) -> None:
    files = MultiDict(
        {"file": FileStorage(io.BytesIO(image_bytes()), "photo.png", content_type="image/png")}
    )
    boundary, body = encode_multipart(files)
    response = client.post(
        UPLOADS,
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201, response.json


# --------------------------------------------------------------------------- who may look


def test_visitors_are_sent_to_sign_in(client):
    assert redirect_target(client.get(DASHBOARD)).startswith("/login")


@pytest.mark.parametrize("role", [RoleName.READER, RoleName.AUTHOR])
def test_readers_and_authors_are_refused(client, make_user, sign_in, role):
    sign_in(client, make_user(role=role))
    assert client.get(DASHBOARD).status_code == 403


def test_moderators_and_admins_see_the_dashboard(client, moderator_client, admin_client):
    for browser in (moderator_client, admin_client):
        response = browser.get(DASHBOARD)
        assert response.status_code == 200
        page = page_text(response)
        assert "<h1" in page
        assert "Dashboard" in page
        assert "At a glance" in page
        assert "Latest audit events" in page
        # The back office's side menu marks the dashboard as the page shown.
        assert re.search(r'class="nav-link active" href="/admin/" aria-current="page"', page)


# --------------------------------------------------------------------------- the counts


def test_the_cards_count_people_articles_comments_guestbook_and_uploads(
    client, admin_client, make_user, make_article, auth_headers, app
):
    before = _counts(admin_client.get(DASHBOARD))
    author = make_user()
    make_user(status=UserStatus.UNVERIFIED.value)
    make_user(status=UserStatus.SUSPENDED.value)
    published = make_article(author)
    make_article(author, published=False)
    hidden = make_article(author)
    with app.app_context():
        db.session.get(Article, hidden.id).hidden_at = utcnow()
        db.session.add(Comment(body="First!", article_id=published.id, author_id=author.id))
        db.session.add(Comment(body="Second", article_id=published.id, author_id=author.id))
        db.session.add(GuestbookMessage(name="Visitor", body="Hello there"))
        db.session.commit()
    _upload(client, auth_headers(author))
    _upload(client, auth_headers(author))

    after = _counts(admin_client.get(DASHBOARD))
    moved = {key: after[key] - before.get(key, 0) for key in after}
    assert moved["people.active"] == 1
    assert moved["people.unverified"] == 1
    assert moved["people.suspended"] == 1
    assert moved["people.deleted"] == 0
    assert moved["articles.published"] == 1
    assert moved["articles.drafts"] == 1
    assert moved["articles.hidden"] == 1
    assert moved["comments"] == 2
    assert moved["guestbook"] == 1
    assert moved["uploads.count"] == 2
    page = page_text(admin_client.get(DASHBOARD))
    assert re.search(
        r'data-count="uploads.bytes" title="[\d,]+ bytes">[\d.,]+ (bytes|KB|MB)<', page
    )


def test_open_reports_are_counted_with_a_link_to_the_queue(
    admin_client, make_user, make_article, app
):
    author = make_user()
    article = make_article(author)
    with app.app_context():
        for reporter in (make_user(), make_user()):
            db.session.add(
                Report(
                    reporter_id=reporter.id,
                    target_type=ReportTarget.ARTICLE.value,
                    target_id=article.id,
                    target_author_id=author.id,
                    reason="Spam",
                )
            )
        db.session.commit()
    response = admin_client.get(DASHBOARD)
    assert _counts(response)["reports.open"] == 2
    assert 'href="/admin/reports' in page_text(response)


def test_workers_alive_and_jobs_waiting(admin_client, make_user, app):
    page = page_text(admin_client.get(DASHBOARD))
    assert "No worker has reported lately" in page
    owner = make_user()
    with app.app_context():
        db.session.add(WorkerHeartbeat(hostname="celery@a", seen_at=utcnow()))
        db.session.add(
            WorkerHeartbeat(hostname="celery@gone", seen_at=utcnow() - timedelta(hours=1))
        )
        db.session.add_all(
            [
                Job(kind="export", owner_id=owner.id),
                Job(kind="export", owner_id=owner.id),
                Job(kind="export", owner_id=owner.id, status="failed"),
            ]
        )
        db.session.commit()
    response = admin_client.get(DASHBOARD)
    counts = _counts(response)
    assert counts["workers.alive"] == 1  # the one silent for an hour is gone
    assert counts["jobs.waiting"] == counts["jobs.queued"] >= 2
    assert counts["jobs.failed"] >= 1
    assert "No worker has reported lately" not in page_text(response)


def test_the_latest_audit_events_are_listed_with_who_did_what(admin_client, admin, make_user, app):
    target = make_user("suspendee")
    with app.app_context():
        record_event(
            Event.STATUS_CHANGED,
            user=db.session.get(User, target.id),
            actor=db.session.get(User, admin.id),
            old="active",
            new="suspended",
        )
        db.session.commit()
    page = page_text(admin_client.get(DASHBOARD))
    table = page[page.index('id="latest-events"') :]
    row = re.search(r"<tr>\s*<td><time.*?</tr>", table, re.S)
    assert row, "no event listed"
    assert Event.STATUS_CHANGED.value in row.group(0)
    assert "suspendee" in row.group(0)
    assert "root" in row.group(0)
    assert 'href="/admin/audit' in page
    assert len(re.findall(r"<tr>\s*<td><time", table)) <= 10


# --------------------------------------------------------------------------- the charts


@pytest.mark.parametrize("days", [30, 90, 365])
def test_each_chart_has_a_bar_per_day_ending_today(admin_client, days):
    page = page_text(admin_client.get(f"{DASHBOARD}?days={days}"))
    today = utcnow().date()
    for metric in ("signups", "articles", "comments"):
        bars = _bars(page, metric)
        assert len(bars) == days
        assert bars[-1][0] == today.isoformat()
        assert bars[0][0] == (today - timedelta(days=days - 1)).isoformat()
    assert re.search(rf'aria-current="page">{days} days<', page)


def test_todays_bar_and_table_count_todays_signups(admin_client, make_user):
    before = dict(_bars(page_text(admin_client.get(DASHBOARD)), "signups"))
    for _ in range(3):
        make_user()
    page = page_text(admin_client.get(DASHBOARD))
    today = utcnow().date().isoformat()
    bars = dict(_bars(page, "signups"))
    assert bars[today] == before[today] + 3
    # The same numbers in a table beside the picture, with the total.
    table = page[page.index('id="chart-signups-table"') :].split("</table>")[0]
    assert re.search(
        rf'<time datetime="{today}">{today}</time></td><td class="text-end">{bars[today]}<', table
    )
    assert re.search(rf"Total</th><td class=\"text-end\">{sum(bars.values())}<", table)
    assert "<caption>Sign-ups per day, last 30 days</caption>" in table


def test_charts_have_a_name_and_no_style_or_script(admin_client):
    page = page_text(admin_client.get(DASHBOARD))
    for metric in ("signups", "articles", "comments"):
        svg = _chart(page, metric)
        assert 'role="img"' in svg
        assert f'<title id="chart-{metric}-title">' in svg
        assert "style=" not in svg
        assert "<script" not in svg
    assert " style=" not in page  # the CSP forbids inline styles anywhere on the page


@pytest.mark.parametrize("days", ["7", "abc", "-30", "0", "99999999999999999999999999", "30.5", ""])
def test_other_periods_fall_back_to_30_days(admin_client, days):
    response = admin_client.get(f"{DASHBOARD}?days={days}")
    assert response.status_code == 200
    assert len(_bars(page_text(response), "signups")) == 30


# --------------------------------------------------------------------------- cost


def test_the_dashboard_runs_a_fixed_number_of_queries(
    admin_client, make_user, make_article, count_queries, app
):
    counts = []
    for added in (1, 8):
        for _ in range(added):
            author = make_user()
            make_article(author)
            make_article(author, published=False)
        with count_queries() as log:
            response = admin_client.get(f"{DASHBOARD}?days=365")
        assert response.status_code == 200
        counts.append(len(log))
    assert counts[0] == counts[1], f"queries grew with the data:\n{log}"
    assert counts[1] <= 10, str(log)  # the session, the user, counters, workers, 3 series, audit
    # No query counts or scans a table of content: the numbers come from counters.
    for sql in log:
        assert not re.search(r"count\(\*\).*FROM (users|articles|comments)\b", sql, re.I), sql


def test_storage_is_shown_in_units_people_read(app):
    with app.test_request_context():
        assert human_bytes(0) == "0 bytes"
        assert human_bytes(1) == "1 byte"
        assert human_bytes(1023) == "1,023 bytes"
        assert human_bytes(1536) == "1.5 KB"
        assert human_bytes(5 * 1024**3) == "5 GB"
        assert human_bytes(3 * 1024**6) == "3,072 PB"


def test_the_dashboard_speaks_the_readers_language(moderator_client):
    response = moderator_client.get(DASHBOARD, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200
    assert '<html lang="zh' in page_text(response)
    assert len(_bars(page_text(response), "comments")) == 30
