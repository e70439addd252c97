"""Scheduled publishing: the services' rules, time zones, the due task, the API and the editor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from inkstone.articles import scheduler, scheduling
from inkstone.articles import services as article_services
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.core import events
from inkstone.core.db import utcnow
from inkstone.core.errors import Invalid, PermissionDenied
from inkstone.extensions import db
from tests.conftest import page_text, redirect_target


@pytest.fixture
def published_log() -> Iterator[list[int]]:
    heard: list[int] = []

    def receiver(*, article: Article, **_: Any) -> None:
        heard.append(article.id)

    events.article_published.connect(receiver, when=events.AFTER_COMMIT)
    yield heard
    events.article_published.disconnect(receiver)


def _user(make_user: Any, **attrs: Any) -> User:
    user = db.session.get(User, make_user(**attrs).id)
    assert user is not None
    return user


def _draft(author: User, when: datetime | None = None, **kw: Any) -> Article:
    article = article_services.create_article(
        author=author, title=kw.pop("title", "Later"), description="d", body="b",
        published=False, publish_at=when, **kw,
    )  # fmt: skip
    db.session.commit()
    return article


# --------------------------------------------------------------------------- services


def test_a_draft_is_scheduled_changed_and_cancelled(app_ctx, make_user):
    author = _user(make_user)
    when = utcnow() + timedelta(hours=2)
    draft = _draft(author, when)
    assert draft.publish_at == when.replace(microsecond=draft.publish_at.microsecond)
    assert not draft.published
    later = when + timedelta(days=1)
    article_services.update_article(article=draft, actor=author, changes={"publish_at": later})
    db.session.commit()
    assert abs(draft.publish_at - later) < timedelta(seconds=1)
    article_services.update_article(article=draft, actor=author, changes={"publish_at": None})
    db.session.commit()
    assert draft.publish_at is None
    assert not draft.published


@pytest.mark.parametrize(
    ("shift", "message"),
    [(timedelta(minutes=-5), scheduling.IN_THE_PAST), (timedelta(days=400), scheduling.TOO_FAR)],
)
def test_a_time_in_the_past_or_too_far_is_refused(app_ctx, make_user, shift, message):
    author = _user(make_user)
    with pytest.raises(Invalid) as refused:
        _draft(author, utcnow() + shift)
    assert refused.value.errors() == {"publishAt": [message]}


def test_a_few_seconds_late_is_within_the_leeway(app_ctx, make_user):
    author = _user(make_user)
    assert _draft(author, utcnow() - timedelta(seconds=20)).publish_at is not None


def test_a_published_article_is_not_scheduled_unless_taken_back_to_a_draft(app_ctx, make_user):
    author = _user(make_user)
    article = article_services.create_article(author=author, title="Out", description="", body="b")
    db.session.commit()
    when = utcnow() + timedelta(hours=1)
    with pytest.raises(Invalid, match="unpublish it first"):
        article_services.update_article(article=article, actor=author, changes={"publish_at": when})
    with pytest.raises(Invalid, match="unpublish it first"):
        article_services.create_article(
            author=author, title="Both", description="", body="b", published=True, publish_at=when
        )
    article_services.update_article(
        article=article, actor=author, changes={"published": False, "publish_at": when}
    )
    db.session.commit()
    assert not article.published
    assert article.publish_at is not None


def test_a_hidden_article_cannot_be_scheduled(app_ctx, make_user):
    author = _user(make_user)
    draft = _draft(author)
    draft.hidden_at = utcnow()
    draft.hidden_reason = "spam"
    db.session.commit()
    with pytest.raises(PermissionDenied):
        article_services.update_article(
            article=draft, actor=author, changes={"publish_at": utcnow() + timedelta(hours=1)}
        )


def test_publishing_now_clears_the_schedule(app_ctx, make_user):
    author = _user(make_user)
    draft = _draft(author, utcnow() + timedelta(hours=1))
    article_services.update_article(article=draft, actor=author, changes={"published": True})
    db.session.commit()
    assert draft.published
    assert draft.publish_at is None


def test_a_naive_time_is_read_in_the_author_s_time_zone(app_ctx, make_user):
    author = _user(make_user, locale="zh_CN", timezone="Asia/Shanghai")
    local = (utcnow() + timedelta(days=2)).astimezone(UTC).replace(tzinfo=None)
    local = local.replace(hour=9, minute=30, second=0, microsecond=0)
    draft = _draft(author, local)
    assert draft.publish_at == local.replace(tzinfo=UTC) - timedelta(hours=8)  # UTC+8
    assert scheduling.in_zone(draft.publish_at, author=author) == local


def test_without_a_time_zone_the_site_s_default_is_used(app_ctx, make_user):
    author = _user(make_user)
    local = (utcnow() + timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    assert _draft(author, local).publish_at == local.replace(tzinfo=UTC)  # the default: UTC


# --------------------------------------------------------------------------- the due task


def _due(author: User, title: str) -> Article:
    draft = _draft(author, utcnow() + timedelta(minutes=10), title=title)
    draft.publish_at = utcnow() - timedelta(seconds=1)  # its time has come
    db.session.commit()
    return draft


def test_due_drafts_are_published_once_as_a_manual_publish(app_ctx, make_user, published_log):
    author = _user(make_user)
    due, later = _due(author, "Due"), _draft(author, utcnow() + timedelta(hours=1), title="Not yet")
    before = due.created_at
    assert scheduler.publish_due() == 1
    assert scheduler.publish_due() == 0  # the beat again, a retried task: nothing twice
    db.session.expire_all()
    assert due.published
    assert due.publish_at is None
    assert due.created_at > before
    assert not later.published
    assert later.publish_at is not None
    assert published_log == [due.id]
    assert db.session.get(User, author.id).articles_count == 1


def test_a_claimed_draft_is_not_claimed_again(app_ctx, make_user):
    draft = _due(_user(make_user), "Once")
    now = utcnow()
    assert scheduler.claim(article_id=draft.id, now=now)
    assert not scheduler.claim(article_id=draft.id, now=now)


def test_a_hidden_or_suspended_author_s_draft_waits(app_ctx, make_user):
    hidden = _due(_user(make_user), "Hidden")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "spam"
    suspended = _user(make_user)
    waiting = _due(suspended, "Waits")
    suspended.status = "suspended"
    db.session.commit()
    assert scheduler.publish_due() == 0
    suspended.status = "active"
    db.session.commit()
    assert scheduler.publish_due() == 1  # restored: it goes out on the next beat
    db.session.expire_all()
    assert waiting.published
    assert not hidden.published


def test_the_cli_publishes_due_drafts(app, app_ctx, make_user, cli_runner):
    _due(_user(make_user), "By hand")
    result = cli_runner.invoke(args=["articles", "publish-due"])
    assert result.exit_code == 0, result.output
    assert "Published 1 scheduled article." in result.output


def test_the_beat_runs_the_task_every_30_seconds(app):
    from inkstone.core.celery import PERIODIC_EXPIRES

    entry = app.extensions["celery"].conf.beat_schedule["publish-due-articles"]
    assert entry["task"] == "inkstone.articles.publish_due"
    assert entry["schedule"] == 30
    assert entry["options"] == {"expires": PERIODIC_EXPIRES}
    assert "inkstone.articles.publish_due" in app.extensions["celery"].tasks


# --------------------------------------------------------------------------- the API


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _create(client: Any, headers: dict[str, str], **fields: Any) -> Any:
    article = {"title": "Scheduled", "description": "d", "body": "b", **fields}
    return client.post("/api/v1/articles", json={"article": article}, headers=headers)


def test_the_api_schedules_changes_and_cancels(client, make_user, auth_headers):
    headers = auth_headers(make_user(timezone="Asia/Shanghai"))
    when = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    created = _create(client, headers, publishAt=_iso(when))
    assert created.status_code == 201, created.json
    article = created.json["article"]
    assert article["published"] is False
    assert article["publishAt"] == _iso(when)
    slug = article["slug"]
    assert client.get(f"/api/v1/articles/{slug}", headers=headers).json["article"]["publishAt"]
    # a naive time: the author's zone (UTC+8)
    local = (when + timedelta(hours=8 + 1)).replace(tzinfo=None).isoformat()
    moved = client.put(
        f"/api/v1/articles/{slug}", json={"article": {"publishAt": local}}, headers=headers
    )
    assert moved.json["article"]["publishAt"] == _iso(when + timedelta(hours=1))
    cancelled = client.put(
        f"/api/v1/articles/{slug}", json={"article": {"publishAt": None}}, headers=headers
    )
    assert cancelled.status_code == 200
    assert "publishAt" not in cancelled.json["article"]
    assert cancelled.json["article"]["published"] is False


def test_published_articles_keep_the_realworld_shape(client, make_user, auth_headers):
    created = _create(client, auth_headers(make_user()))
    assert "publishAt" not in created.json["article"]
    assert "published" not in created.json["article"]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("yesterday", 422),
        ("2020-01-01T00:00:00Z", 422),
        ("9999-12-31T23:59:59-14:00", 422),
        ("0001-01-01T00:00:00+14:00", 422),
        (12, 422),
        ("2030-02-30T10:00", 422),
    ],
)
def test_bad_times_are_4xx_never_500(client, make_user, auth_headers, value, status):
    response = _create(client, auth_headers(make_user()), publishAt=value)
    assert response.status_code == status
    assert set(response.json["errors"]) == {"publishAt"} or "article" in response.json["errors"]


def test_the_api_refuses_scheduling_a_published_article(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    when = _iso(utcnow() + timedelta(hours=1))
    response = _create(client, headers, published=True, publishAt=when)
    assert response.status_code == 422
    assert response.json == {
        "errors": {"publishAt": [scheduling.PUBLISHED_ALREADY]},
        "code": "request.invalid",
    }
    slug = _create(client, headers).json["article"]["slug"]
    response = client.put(
        f"/api/v1/articles/{slug}", json={"article": {"publishAt": when}}, headers=headers
    )
    assert response.status_code == 422


def test_openapi_documents_publish_at(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for name in ("ArticleFields", "ArticleUpdateFields", "ArticleFieldsOut"):
        field = schemas[name]["properties"]["publishAt"]
        assert field["description"].startswith("Inkstone extension"), name
    assert (
        "author's time zone" in schemas["ArticleFields"]["properties"]["publishAt"]["description"]
    )


# --------------------------------------------------------------------------- the editor


def test_the_editor_schedules_in_the_author_s_zone_and_shows_it(client, make_user, sign_in, app):
    author = make_user(timezone="Asia/Shanghai", locale="zh_CN")
    sign_in(client, author)
    page = client.get("/editor")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_text(page))
    assert token, "the editor has a CSRF token"
    local = (utcnow() + timedelta(days=1)).astimezone(UTC) + timedelta(hours=8)
    form = {
        "csrf_token": token.group(1),
        "title": "Tomorrow",
        "description": "",
        "body": "Soon.",
        "tags": "",
        "publish_at": local.strftime("%Y-%m-%dT%H:%M"),
        "action": "schedule",
    }
    response = client.post("/editor", data=form)
    assert response.status_code == 302, page_text(response)[:2000]
    slug = redirect_target(response).rsplit("/", 1)[-1]
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert article is not None
        assert not article.published
        expected = local.replace(second=0, microsecond=0) - timedelta(hours=8)
        assert article.publish_at == expected
    shown = page_text(client.get(f"/article/{slug}"))
    assert 'id="scheduled-for"' in shown
    assert local.strftime("%H:%M") in shown or local.strftime("%-H:%M") in shown
    drafts = page_text(client.get(f"/profile/{author.username}/drafts"))
    assert 'id="scheduled-drafts"' in drafts
    editor = page_text(client.get(f"/editor/{slug}"))
    assert local.strftime("%Y-%m-%dT%H:%M") in editor
    assert 'value="unschedule"' in editor
    # cancel: a plain draft again
    token2 = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', editor)
    assert token2
    response = client.post(
        f"/editor/{slug}", data={**form, "csrf_token": token2.group(1), "action": "unschedule"}
    )
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert article is not None
        assert article.publish_at is None
        assert not article.published


def test_the_editor_refuses_a_past_time_with_the_reason(client, make_user, sign_in):
    sign_in(client, make_user())
    page = page_text(client.get("/editor"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    form = {
        "csrf_token": token.group(1),
        "title": "Past",
        "description": "",
        "body": "b",
        "tags": "",
        "publish_at": "2020-01-01T10:00",
        "action": "schedule",
    }
    response = client.post("/editor", data=form)
    assert response.status_code == 422
    assert "This time has passed" in page_text(response)
    response = client.post("/editor", data={**form, "publish_at": ""})
    assert response.status_code == 422
    assert "Choose when to publish it." in page_text(response)
