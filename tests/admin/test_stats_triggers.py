"""The dashboard's counts move with the rows, whatever writes them (database triggers)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from inkstone.articles.models import Article, Comment
from inkstone.articles.services import update_article
from inkstone.auth.models import User, UserStatus
from inkstone.core.db import counters, utcnow
from inkstone.extensions import db


def _stats() -> dict[str, int]:
    return counters.read_many("stats.")


def _today(metric: str) -> int:
    today = utcnow().date()
    return counters.daily_series(metric, first=today, last=today)[0][1]


def test_people_articles_comments_are_counted_as_they_come_and_go(app_ctx, make_user, make_article):
    before, signups = _stats(), _today("signups")
    author = make_user()
    reader = make_user(status=UserStatus.UNVERIFIED.value)
    draft = make_article(author, published=False)
    published = make_article(author)
    db.session.add(Comment(body="Nice", article_id=published.id, author_id=reader.id))
    db.session.flush()
    after = _stats()

    assert after["users.active"] - before.get("users.active", 0) == 1
    assert after["users.unverified"] - before.get("users.unverified", 0) == 1
    assert after["articles.drafts"] - before.get("articles.drafts", 0) == 1
    assert after["articles.published"] - before.get("articles.published", 0) == 1
    assert after["comments"] - before.get("comments", 0) == 1
    assert _today("signups") - signups == 2

    # A status change moves one count to the other; publishing a draft counts it that day.
    articles_today = _today("articles")
    db.session.execute(
        update(User).where(User.id == reader.id).values(status=UserStatus.SUSPENDED.value)
    )
    update_article(
        article=db.session.get(Article, draft.id),
        actor=db.session.get(User, author.id),
        changes={"published": True},
    )
    db.session.flush()
    moved = _stats()
    assert moved["users.unverified"] == after["users.unverified"] - 1
    assert moved["users.suspended"] - before.get("users.suspended", 0) == 1
    assert moved["articles.drafts"] == after["articles.drafts"] - 1
    assert moved["articles.published"] == after["articles.published"] + 1
    assert _today("articles") == articles_today + 1

    # Deleting an article takes its comments with it (a cascade): both counts follow.
    db.session.execute(delete(Article).where(Article.id == published.id))
    db.session.flush()
    gone = _stats()
    assert gone["articles.published"] == moved["articles.published"] - 1
    assert gone["comments"] == moved["comments"] - 1


def test_a_daily_series_has_every_day_zeros_included(app_ctx):
    today = utcnow().date()
    series = counters.daily_series("nothing-here", first=today - timedelta(days=29), last=today)
    assert len(series) == 30
    assert series[0][0] == today - timedelta(days=29)
    assert {count for _day, count in series} == {0}
