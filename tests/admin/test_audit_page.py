"""The back office's audit log: filters by who did it, about whom, what and when; the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inkstone.auth.models import AuditEvent
from inkstone.extensions import db
from tests.conftest import page_text, redirect_target

DAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def ann(make_user):
    return make_user(username="ann")


@pytest.fixture
def log(app, db, admin, moderator, ann):
    """Three back-office events on three days: who did what to whom."""

    def add(event: str, user, actor, at: datetime, **detail) -> None:
        db.session.add(
            AuditEvent(
                event=event,
                user_id=user.id if user else None,
                actor_id=actor.id if actor else None,
                created_at=at,
                ip="192.0.2.7",
                user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
                detail=detail,
            )
        )

    with app.app_context():
        add("article.hidden", ann, moderator, DAY.replace(day=18), title="Spam, spam")
        add("upload.removed", ann, admin, DAY.replace(day=20), filename="cat.png")
        add("job.cancelled", admin, None, DAY.replace(day=22), kind="export.csv")
        db.session.commit()


def _rows(response) -> list[str]:
    page = page_text(response)
    assert response.status_code == 200
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return body.split("<tr>")[1:]


def test_visitors_sign_in_authors_are_refused_moderators_and_admins_read(
    client, sign_in, ann, admin_client, moderator_client
):
    assert redirect_target(client.get("/admin/audit")).startswith("/login")
    sign_in(client, ann)
    assert client.get("/admin/audit").status_code == 403
    assert client.post("/admin/audit/export").status_code in (400, 403)
    for browser in (admin_client, moderator_client):
        page = page_text(browser.get("/admin/audit"))
        assert "Audit log" in page
        assert 'href="/admin/audit"' in page  # the section's item in the side menu


def test_events_are_told_as_sentences_with_person_actor_ip_and_browser(admin_client, log):
    rows = _rows(admin_client.get("/admin/audit?event=article.hidden"))
    [row] = rows
    assert "Article hidden: Spam, spam (by mod)" in row
    assert "ann" in row
    assert "192.0.2.7" in row
    assert "Firefox on Linux" in row


def test_filters_keep_what_an_actor_did_to_whom_of_a_kind(admin_client, log):
    [row] = _rows(admin_client.get("/admin/audit?actor=root"))
    assert "Upload removed: cat.png" in row
    rows = _rows(admin_client.get("/admin/audit?user=ANN"))
    assert len(rows) >= 2
    assert all("ann" in row for row in rows)
    [row] = _rows(admin_client.get("/admin/audit?user=ann&actor=mod"))
    assert "Article hidden" in row
    [row] = _rows(admin_client.get("/admin/audit?event=job.cancelled"))
    assert "Job cancelled: export.csv" in row
    assert "No event matches." in page_text(admin_client.get("/admin/audit?actor=nobody"))


def test_days_are_utc_days_with_both_ends_included(admin_client, log):
    rows = _rows(admin_client.get("/admin/audit?from=2026-11-18&to=2026-11-20"))
    assert len(rows) == 2
    assert "Upload removed" in rows[0]  # newest first
    assert "Article hidden" in rows[1]
    [row] = _rows(admin_client.get("/admin/audit?from=2026-11-21&to=2026-11-22"))
    assert "Job cancelled" in row
    assert "UTC" in page_text(admin_client.get("/admin/audit"))


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-45",
        "from=yesterday",
        "to=2026-02-30",
        "from=99999-01-01",
        "to=9999-12-31",
        "from=0001-01-01&to=0001-01-01",
        "event=no.such",
        "actor=" + "a" * 3000,
        "user=%00",
        "from=%00",
    ],
)
def test_strange_filters_are_left_out_never_an_error(admin_client, log, query):
    response = admin_client.get(f"/admin/audit?{query}")
    assert response.status_code == 200


def test_a_bad_day_is_named_in_a_warning(admin_client, log):
    page = page_text(admin_client.get("/admin/audit?from=2026-13-45&event=bogus"))
    assert "were not understood" in page
    assert "From" in page.split("were not understood", 1)[1].split("</div>", 1)[0]


def test_pages_go_newer_and_older(app, admin_client, admin, ann):
    with app.app_context():
        for minute in range(51):
            db.session.add(
                AuditEvent(
                    event="comment.removed",
                    user_id=ann.id,
                    actor_id=admin.id,
                    created_at=DAY.replace(minute=minute),
                )
            )
        db.session.commit()
    first = page_text(admin_client.get("/admin/audit?event=comment.removed"))
    older = first.split('rel="next" href="', 1)[1].split('"', 1)[0]
    assert "page=2" in older
    assert "event=comment.removed" in older  # the filters go with the page
    assert len(_rows(admin_client.get("/admin/audit?event=comment.removed"))) == 50
    assert len(_rows(admin_client.get("/admin/audit?event=comment.removed&page=2"))) == 1
    assert admin_client.get("/admin/audit?event=comment.removed&page=3").status_code == 404
    assert admin_client.get("/admin/audit?page=0").status_code == 404


# --------------------------------------------------------------------------- the API


def test_the_api_needs_a_token_and_users_read(client, auth_headers, ann, moderator):
    assert client.get("/api/v1/admin/audit").status_code == 401
    assert client.get("/api/v1/admin/audit", headers=auth_headers(ann)).status_code == 403
    assert client.get("/api/v1/admin/audit", headers=auth_headers(moderator)).status_code == 200
    response = client.post("/api/v1/admin/audit/exports", json={}, headers=auth_headers(ann))
    assert response.status_code == 403


def test_the_api_filters_and_tells_each_event(client, auth_headers, admin, log):
    headers = auth_headers(admin)
    body = client.get(
        "/api/v1/admin/audit?actor=mod&user=ann&from=2026-11-01&to=2026-11-30", headers=headers
    ).json
    [event] = body["auditEvents"]
    assert event["event"] == "article.hidden"
    assert event["sentence"] == "Article hidden: Spam, spam (by mod)"
    assert event["user"] == "ann"
    assert event["actor"] == "mod"
    assert event["ip"] == "192.0.2.7"
    assert event["createdAt"] == "2026-11-18T12:00:00.000Z"
    days = client.get("/api/v1/admin/audit?from=2026-11-21", headers=headers).json
    assert "job.cancelled" in [e["event"] for e in days["auditEvents"]]
    assert "article.hidden" not in [e["event"] for e in days["auditEvents"]]
    nobody = client.get("/api/v1/admin/audit?actor=nobody", headers=headers).json
    assert nobody == {"auditEvents": []}
    page = client.get("/api/v1/admin/audit?limit=1&offset=1&event=upload.removed", headers=headers)
    assert page.json == {"auditEvents": []}


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01", "to=yesterday", "event=bogus", "limit=0", "offset=-3", "actor="],
)
def test_the_api_refuses_bad_filters_with_422(client, auth_headers, admin, query):
    response = client.get(f"/api/v1/admin/audit?{query}", headers=auth_headers(admin))
    assert response.status_code == 422
    assert "errors" in response.json


def test_the_old_audit_events_route_still_works(client, auth_headers, admin, log):
    response = client.get("/api/v1/audit-events?user=ann", headers=auth_headers(admin))
    assert response.status_code == 200
    assert {"article.hidden", "upload.removed"} <= {
        e["event"] for e in response.json["auditEvents"]
    }
