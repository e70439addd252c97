"""``GET /api/v1/admin/stats``: the dashboard's numbers for scripts, with the same scopes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from inkstone.articles.models import Comment
from inkstone.auth.models import RoleName, UserStatus
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.jobs.models import JobStatus

STATS = "/api/v1/admin/stats"
DAY = re.compile(r"^\d{4}-\d\d-\d\d$")


def _stats(client, headers, query=""):
    response = client.get(f"{STATS}{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["stats"]


def test_a_token_is_needed(client):
    response = client.get(STATS)
    assert response.status_code == 401
    assert "errors" in response.json


@pytest.mark.parametrize("role", [RoleName.READER, RoleName.AUTHOR])
def test_readers_and_authors_are_refused(client, make_user, auth_headers, role):
    response = client.get(STATS, headers=auth_headers(make_user(role=role)))
    assert response.status_code == 403
    assert "errors" in response.json


def test_moderators_and_admins_read_every_number(client, admin, moderator, auth_headers):
    for user in (moderator, admin):
        stats = _stats(client, auth_headers(user))
        assert set(stats) == {
            "people",
            "articles",
            "comments",
            "guestbookMessages",
            "uploads",
            "jobs",
            "openReports",
            "workersAlive",
            "jobsWaiting",
            "series",
        }
        assert set(stats["people"]) == {status.value for status in UserStatus}
        assert set(stats["articles"]) == {"published", "drafts", "hidden"}
        assert set(stats["uploads"]) == {"count", "bytes"}
        assert set(stats["jobs"]) == {status.value for status in JobStatus}
        assert stats["jobsWaiting"] == stats["jobs"]["queued"]
        assert stats["people"]["active"] >= 2  # the admin and the moderator


def test_counts_follow_what_is_created(client, admin, auth_headers, make_user, make_article, app):
    headers = auth_headers(admin)
    before = _stats(client, headers)
    author = make_user()
    make_user(status=UserStatus.UNVERIFIED.value)
    article = make_article(author)
    make_article(author, published=False)
    with app.app_context():
        db.session.add(Comment(body="Well said", article_id=article.id, author_id=author.id))
        db.session.commit()
    after = _stats(client, headers)
    assert after["people"]["active"] == before["people"]["active"] + 1
    assert after["people"]["unverified"] == before["people"]["unverified"] + 1
    assert after["articles"]["published"] == before["articles"]["published"] + 1
    assert after["articles"]["drafts"] == before["articles"]["drafts"] + 1
    assert after["comments"] == before["comments"] + 1
    today = utcnow().date().isoformat()
    for metric, added in (("signups", 2), ("articles", 1), ("comments", 1)):
        assert after["series"][metric][-1]["day"] == today
        assert after["series"][metric][-1]["count"] == before["series"][metric][-1]["count"] + added


@pytest.mark.parametrize("days", [30, 90, 365])
def test_each_series_lists_every_day_zeros_included(client, admin, auth_headers, days):
    series = _stats(client, auth_headers(admin), f"?days={days}")["series"]
    assert series["days"] == days
    today = utcnow().date()
    for metric in ("signups", "articles", "comments"):
        points = series[metric]
        assert len(points) == days
        assert all(DAY.match(p["day"]) and isinstance(p["count"], int) for p in points)
        listed = [date.fromisoformat(p["day"]) for p in points]
        assert listed == [today - timedelta(days=days - 1 - i) for i in range(days)]


def test_thirty_days_by_default(client, admin, auth_headers):
    series = _stats(client, auth_headers(admin))["series"]
    assert series["days"] == 30
    assert len(series["signups"]) == 30


@pytest.mark.parametrize(
    "days", ["7", "abc", "-30", "0", "99999999999999999999999999", "30.5", "", "1e3"]
)
def test_other_periods_are_refused(client, admin, auth_headers, days):
    response = client.get(f"{STATS}?days={days}", headers=auth_headers(admin))
    assert response.status_code == 422
    assert "days" in str(response.json["errors"])


def test_the_route_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/admin/stats"]["get"]  # under the servers entry /api/v1
    assert operation["operationId"] == "GetAdminStats"
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert operation["security"]
    schemas = spec["components"]["schemas"]
    fields = next(s for name, s in schemas.items() if "openReports" in s.get("properties", {}))
    assert {"guestbookMessages", "workersAlive", "jobsWaiting"} <= set(fields["properties"])
