"""Read side of articles: lists, feed and single articles as a viewer sees them.

Every list costs a fixed number of queries whatever its length: one for the page (authors
joined), one for the page's tags, and, for a signed-in viewer, one each for favorites and
follows. Totals come from counters kept by the services, never from a full-table COUNT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import defer

from inkstone.articles.models import Article, Favorite, Tag, article_tags
from inkstone.articles.tags import find_tag
from inkstone.auth.models import User
from inkstone.core import counters
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.profiles.models import Follow
from inkstone.profiles.services import ProfileView, following_ids


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article as one viewer sees it."""

    slug: str
    title: str
    description: str
    body: str | None
    tag_list: list[str]
    created_at: datetime
    updated_at: datetime
    favorited: bool
    favorites_count: int
    author: ProfileView


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One page of a list and the list's total length."""

    articles: list[ArticleView]
    total: int


def _tags_by_article(ids: Sequence[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(article_tags.c.article_id, Tag.name)
        .join(Tag, Tag.id == article_tags.c.tag_id)
        .where(article_tags.c.article_id.in_(ids))
    )
    out: dict[int, list[str]] = defaultdict(list)
    for article_id, name in rows:
        out[article_id].append(name)
    return {k: sorted(v, key=str.casefold) for k, v in out.items()}


def _favorited_ids(viewer: User | None, ids: Sequence[int]) -> set[int]:
    if viewer is None or not ids:
        return set()
    query = select(Favorite.article_id).where(
        Favorite.user_id == viewer.id, Favorite.article_id.in_(ids)
    )
    return set(db.session.scalars(query))


def present(articles: Sequence[Article], *, viewer: User | None) -> list[ArticleView]:
    """Return views of ``articles`` for ``viewer`` in a fixed number of queries."""
    ids = [a.id for a in articles]
    tags = _tags_by_article(ids)
    favorited = _favorited_ids(viewer, ids)
    following = following_ids(viewer=viewer, among={a.author_id for a in articles})
    views = []
    for a in articles:
        body = a.__dict__.get("body")  # deferred in lists: never trigger a load
        views.append(
            ArticleView(
                slug=a.slug,
                title=a.title,
                description=a.description,
                body=body,
                tag_list=tags.get(a.id, []),
                created_at=a.created_at,
                updated_at=a.updated_at,
                favorited=a.id in favorited,
                favorites_count=a.favorites_count,
                author=ProfileView.of(a.author, following=a.author_id in following),
            )
        )
    return views


def present_one(article: Article, *, viewer: User | None) -> ArticleView:
    """Return the full view of one article, body included."""
    return present([article], viewer=viewer)[0]


def _page(query: Select[tuple[Article]], page: PageRequest) -> list[Article]:
    query = (
        query.options(defer(Article.body))
        .order_by(Article.created_at.desc(), Article.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(db.session.scalars(query).unique())


def _user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


EMPTY = ArticlePage(articles=[], total=0)


def list_articles(
    *,
    viewer: User | None,
    page: PageRequest,
    tag: str | None = None,
    author: str | None = None,
    favorited: str | None = None,
) -> ArticlePage:
    """Return the newest articles, optionally filtered by tag, author and favoriting user."""
    query = select(Article)
    totals: list[int] = []
    if tag is not None:
        tag_row = find_tag(tag)
        if tag_row is None:
            return EMPTY
        query = query.join(article_tags, article_tags.c.article_id == Article.id).where(
            article_tags.c.tag_id == tag_row.id
        )
        totals.append(tag_row.articles_count)
    if author is not None:
        author_row = _user_by_username(author)
        if author_row is None:
            return EMPTY
        query = query.where(Article.author_id == author_row.id)
        totals.append(author_row.articles_count)
    if favorited is not None:
        fan = _user_by_username(favorited)
        if fan is None:
            return EMPTY
        query = query.join(Favorite, Favorite.article_id == Article.id).where(
            Favorite.user_id == fan.id
        )
        totals.append(fan.favorites_count)
    articles = _page(query, page)
    if not totals:
        total = counters.read(counters.PUBLISHED_ARTICLES)
    elif len(totals) == 1:
        total = totals[0]
    else:  # combined filters: count the (index-bounded) intersection
        total = db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        ) or 0
    return ArticlePage(articles=present(articles, viewer=viewer), total=total)


def feed(*, viewer: User, page: PageRequest) -> ArticlePage:
    """Return the newest articles by authors ``viewer`` follows."""
    followees = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
    articles = _page(select(Article).where(Article.author_id.in_(followees)), page)
    total = db.session.scalar(
        select(func.coalesce(func.sum(User.articles_count), 0)).where(User.id.in_(followees))
    )
    return ArticlePage(articles=present(articles, viewer=viewer), total=int(total or 0))


def popular_tags(*, limit: int = 100) -> list[str]:
    """Return the names of the tags in use, most used first."""
    query = (
        select(Tag.name)
        .where(Tag.articles_count > 0)
        .order_by(Tag.articles_count.desc(), Tag.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))
