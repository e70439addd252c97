"""``flask dev seed``: demo data in English and Chinese, and a known demo login."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Comment, Favorite, Tag
from inkstone.auth.models import User
from inkstone.core.db import counters, utcnow
from inkstone.dev.fake import DEMO_EMAIL
from inkstone.extensions import db
from inkstone.notifications.models import Notification
from inkstone.profiles.models import Follow
from tests.conftest import count_rows

CJK = re.compile(r"[\u4e00-\u9fff]")


def _counts():
    return {
        model.__name__: count_rows(model)
        for model in (User, Article, Tag, Comment, Favorite, Follow)
    }


def test_seed_if_empty_fills_an_empty_database_once(app, client, cli_runner):
    first = cli_runner.invoke(args=["dev", "seed", "--if-empty"])
    assert first.exit_code == 0, first.output
    password = app.config["DEMO_PASSWORD"]
    assert f"Demo login: {DEMO_EMAIL} / {password}" in first.output
    assert "Seeded 20 users, 200 articles" in first.output

    with app.app_context():
        seeded = _counts()
        assert seeded["User"] == 20
        # 200 published (one of them hidden since by a moderator), and the demo account's 2
        # drafts and 2 scheduled articles.
        assert seeded["Article"] == 204
        assert count_rows(Article, Article.published.is_(False)) == 5
        assert count_rows(Article, Article.hidden_at.is_not(None)) == 1
        scheduled = list(db.session.scalars(select(Article).where(Article.publish_at.is_not(None))))
        assert len(scheduled) == 2
        assert all(a.publish_at > utcnow() and not a.published for a in scheduled)
        assert "2 drafts" in first.output
        # The demo account has something to be told about: each kind the seed acts out.
        demo_id = db.session.scalar(select(User.id).where(User.email == DEMO_EMAIL))
        kinds = set(
            db.session.scalars(select(Notification.kind).where(Notification.user_id == demo_id))
        )
        assert {"comment", "mention", "follow", "favorite"} <= kinds
        assert count_rows(Notification, Notification.kind.in_(["moderation", "report"])) == 2
        assert min(seeded.values()) > 0  # tags, comments, favorites and follows too
        titles = list(db.session.scalars(select(Article.title)))
        tags = list(db.session.scalars(select(Tag.name)))
        assert any(CJK.search(t) for t in titles), "no Chinese articles"
        assert any(t.isascii() for t in titles), "no English articles"
        assert any(CJK.search(t) for t in tags)
        assert any(t.isascii() for t in tags)
        slugs = list(db.session.scalars(select(Article.slug)))
        assert all(s.isascii() for s in slugs)
        assert counters.read(PUBLISHED_ARTICLES) == 199
        # every denormalised count matches the rows it counts
        for user in db.session.scalars(select(User)):
            published_by_user = (Article.author_id == user.id, Article.published.is_(True))
            assert user.articles_count == count_rows(Article, *published_by_user)
            assert user.favorites_count == count_rows(Favorite, Favorite.user_id == user.id)

    second = cli_runner.invoke(args=["dev", "seed", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert f"Demo login: {DEMO_EMAIL} / {password}" in second.output
    with app.app_context():
        assert _counts() == seeded

    # The printed login works, and the API serves the demo data.
    login = client.post(
        "/api/v1/users/login", json={"user": {"email": DEMO_EMAIL, "password": password}}
    )
    assert login.status_code == 200
    listed = client.get("/api/v1/articles").json
    assert listed["articlesCount"] == 199  # the hidden one is out of public view
    assert len(listed["articles"]) == 20
    assert client.get("/api/v1/tags").json["tags"]


@pytest.mark.parametrize(("users", "articles"), [(1, 2), (3, 5)])
def test_seed_with_smaller_numbers(app, cli_runner, users, articles):
    result = cli_runner.invoke(
        args=["dev", "seed", "--users", str(users), "--articles", str(articles)]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count_rows(User) == users
        assert count_rows(Article, Article.published.is_(True)) == articles


def test_seed_adds_to_a_database_that_already_has_demo_data(app, cli_runner):
    assert cli_runner.invoke(args=["dev", "seed", "--users", "5", "--articles", "5"]).exit_code == 0
    again = cli_runner.invoke(args=["dev", "seed", "--users", "5", "--articles", "30"])
    assert again.exit_code == 0, again.output
    assert "Seeded 5 users, 30 articles" in again.output
    with app.app_context():
        assert count_rows(User) == 9  # the demo account once, and four more each time
        assert count_rows(User, User.email == DEMO_EMAIL) == 1
        assert count_rows(Article, Article.published.is_(True)) == 35
        assert counters.read(PUBLISHED_ARTICLES) == 35


def test_seed_refuses_to_run_in_production(app, cli_runner, monkeypatch):
    # Every account it makes signs in with the published demo password.
    monkeypatch.setitem(app.config, "ENV", "production")
    result = cli_runner.invoke(args=["dev", "seed", "--users", "3", "--articles", "3"])
    assert result.exit_code != 0
    assert "ENV=production" in result.output
    with app.app_context():
        assert count_rows(User) == 0
