"""The two page plans (sort the filtered set, or walk the date index) give the same pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from inkstone.articles import queries, services
from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Tag
from inkstone.auth.models import User
from inkstone.core.db import counters, utcnow
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.profiles.services import follow

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def library(make_user):
    """Three authors, 30 articles with shared timestamps (ties), tags, favorites, follows."""
    authors = [db.session.get(User, make_user().id) for _ in range(3)]
    reader = db.session.get(User, make_user().id)
    base = utcnow()
    for i in range(30):
        article = services.create_article(
            author=authors[i % 3],
            title=f"Piece {i}",
            description="d",
            body="b",
            tag_list=["common"] + (["rare"] if i % 7 == 0 else []),
        )
        if i % 2 == 0:
            services.favorite(article=article, user=reader)
        db.session.flush()
        # pairs of articles share a timestamp: the id must break the tie
        stamp = base - timedelta(minutes=i // 2)
        db.session.execute(update(Article).where(Article.id == article.id).values(created_at=stamp))
    follow(follower=reader, followee=authors[0])
    follow(follower=reader, followee=authors[2])
    db.session.commit()
    return reader


def _tag_id(key):
    return db.session.scalar(select(Tag.id).where(Tag.key == key))


def _slugs(params, page, **shape):
    return [row.slug for row in queries._rows(params, page, **shape)]


@pytest.mark.parametrize("offset", [0, 3, 17, 29, 40])
@pytest.mark.parametrize("limit", [1, 5, 20])
def test_walking_and_sorting_return_the_same_pages(library, offset, limit):
    page = PageRequest(limit=limit, offset=offset)
    cases = [
        ({"tag_id": _tag_id("common")}, {"tag": True}),
        ({"tag_id": _tag_id("rare")}, {"tag": True}),
        ({"fan_id": library.id}, {"fan": True}),
        ({"viewer_id": library.id}, {"feed": True}),
    ]
    for params, shape in cases:
        sorted_page = _slugs(params, page, walk=False, **shape)
        walked_page = _slugs(params, page, walk=True, **shape)
        assert walked_page == sorted_page, shape


def test_pages_are_newest_first_with_ties_broken_by_id(library):
    rows = queries._rows({"viewer_id": library.id}, PageRequest(limit=100), feed=True)
    keys = [(row.created_at, row.id) for row in rows]
    assert keys == sorted(keys, reverse=True)
    assert len(rows) == 20  # two of three authors, ten articles each


def test_the_plan_follows_the_filters_density(library):
    assert counters.read(PUBLISHED_ARTICLES) == 30
    wide, deep = PageRequest(limit=5), PageRequest(limit=5, offset=25)
    assert queries.should_walk(matching=30, page=wide)  # 30^2 > 5 * 30
    assert not queries.should_walk(matching=5, page=wide)  # 5^2 < 5 * 30
    assert not queries.should_walk(matching=12, page=deep)  # 12^2 < 30 * 30: sort instead
    assert not queries.should_walk(matching=0, page=wide)
