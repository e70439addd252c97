"""The back office's search page: what the index holds, and rebuilding it as a job."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from inkstone.auth.models import RoleName
from inkstone.extensions import db
from inkstone.jobs.models import Job
from tests.conftest import csrf_token, page_text


def _signed_in(app: Flask, sign_in: Any, user: Any) -> Any:
    client = app.test_client()
    sign_in(client, user)
    return client


def _found(client: Any, q: str) -> int:
    return client.get("/api/v1/search", query_string={"q": q}).get_json()["articlesCount"]


def test_an_admin_sees_the_index_and_rebuilds_it_as_a_job(
    app: Flask, client: Any, make_user: Any, make_article: Any, sign_in: Any
) -> None:
    admin = make_user("rootsearch", role=RoleName.ADMIN)
    make_article(admin, title="Lighthouses of the northern coast", body="Fog and foghorns.")
    make_article(admin, title="A draft about lighthouses", published=False)
    browser = _signed_in(app, sign_in, admin)

    page = browser.get("/admin/search")
    assert page.status_code == 200
    text = page_text(page)
    assert "1 of 1 published" in text
    assert "Search index" in text
    assert "Rebuild the index" in text

    with app.app_context():  # the index loses its documents (a restored backup, say)
        db.session.execute(sa.text("DELETE FROM search_articles"))
        db.session.commit()
    assert _found(client, "lighthouses") == 0
    assert "0 of 1 published" in page_text(browser.get("/admin/search"))
    assert "does not hold every published article" in page_text(browser.get("/admin/search"))

    answer = browser.post(
        "/admin/search/reindex", data={"csrf_token": csrf_token(browser, "/admin/search")}
    )
    assert answer.status_code == 302
    assert "/jobs/" in answer.headers["Location"]
    with app.app_context():
        job = db.session.scalars(sa.select(Job).where(Job.kind == "search.reindex")).one()
        assert (job.status, job.progress) == ("succeeded", 100)
        assert job.summary == {"articles": 1, "people": 1}
    assert _found(client, "lighthouses") == 1  # the draft stays out
    assert "Search index rebuild" in page_text(browser.get(answer.headers["Location"]))


def test_moderators_and_visitors_may_not_see_or_rebuild_the_index(
    app: Flask, client: Any, make_user: Any, sign_in: Any
) -> None:
    moderator = _signed_in(app, sign_in, make_user("modsearch", role=RoleName.MODERATOR))
    assert moderator.get("/admin/search").status_code == 403
    token = csrf_token(moderator, "/guestbook")
    assert moderator.post("/admin/search/reindex", data={"csrf_token": token}).status_code == 403
    assert "Search index" not in page_text(moderator.get("/admin/"))
    assert client.get("/admin/search").status_code == 302  # a visitor is sent to sign in
