"""Read side of articles: lists, feed and single articles as a viewer sees them.

Every list costs a fixed number of queries whatever its length: one for the page (author
columns and the article's cached tag names joined in) and, for a signed-in viewer, one each
for favorites and follows. Totals come from counters kept by the services, never from a
full-table COUNT, and the same counters pick the cheaper plan for a filtered page (see
``should_walk``).
Pages are read as plain rows through statements built once, not as ORM objects: this is the
hottest path of the site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    BindParameter,
    Select,
    bindparam,
    exists,
    false,
    func,
    select,
    true,
)

from inkstone.articles import markdown
from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Favorite, Tag, article_tags
from inkstone.articles.tags import tag_key
from inkstone.auth.models import User
from inkstone.auth.usernames import canonical
from inkstone.core.db import counters, reads
from inkstone.core.errors import NotFound
from inkstone.core.pagination import PageRequest
from inkstone.profiles.models import Follow
from inkstone.profiles.services import ProfileView, following_ids


class ArticleView(NamedTuple):
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
    published: bool = True
    body_html: str | None = None
    # Set for its author only (others never see a hidden article): why a moderator hid it.
    hidden_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One page of a list and the list's total length (``pinned``: what heads the home page)."""

    articles: list[ArticleView]
    total: int
    pinned: list[ArticleView] = field(default_factory=list)


class ArticleRow(NamedTuple):
    """The columns a view needs: an article and its author's public fields."""

    id: int
    slug: str
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    favorites_count: int
    author_id: int
    username: str
    bio: str
    image: str | None
    tag_names: str
    body: str | None = None
    published: bool = True
    body_html: str | None = None
    body_html_version: int = 0
    hidden_at: datetime | None = None
    hidden_reason: str = ""

    @classmethod
    def of(cls, article: Article) -> ArticleRow:
        """Return the row of a loaded ``Article`` (body included)."""
        a, u = article, article.author
        return cls(
            a.id,
            a.slug,
            a.title,
            a.description,
            a.created_at,
            a.updated_at,
            a.favorites_count,
            a.author_id,
            u.username,
            u.bio,
            u.image,
            a.tag_names,
            a.body,
            a.published,
            a.body_html,
            a.body_html_version,
            a.hidden_at,
            a.hidden_reason,
        )


_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_FAVORITED_AMONG = select(Favorite.article_id).where(
    Favorite.user_id == bindparam("viewer_id"), Favorite.article_id.in_(_IDS)
)


def _favorited_ids(viewer: User | None, ids: Sequence[int]) -> set[int]:
    if viewer is None:
        return set()
    params = {"viewer_id": viewer.id, "ids": list(ids)}
    return set(reads.scalars(_FAVORITED_AMONG, params))


def present(
    rows: Sequence[ArticleRow],
    *,
    viewer: User | None,
    all_followed: bool = False,
    favorited_ids: set[int] | None = None,
) -> list[ArticleView]:
    """Return views of ``rows`` for ``viewer`` in a fixed number of queries.

    ``all_followed`` says the viewer follows every author of ``rows`` (the feed), so the
    follow look-up is skipped; ``favorited_ids``, which of them the viewer has favorited,
    when the caller knows (it has just favorited one).
    """
    if not rows:
        return []
    favorited = (
        favorited_ids if favorited_ids is not None else _favorited_ids(viewer, [r.id for r in rows])
    )
    authors = {r.author_id for r in rows}
    following = authors if all_followed else following_ids(viewer=viewer, among=authors)
    return [
        ArticleView(
            slug=r.slug,
            title=r.title,
            description=r.description,
            body=r.body,
            tag_list=orjson.loads(r.tag_names),
            created_at=r.created_at,
            updated_at=r.updated_at,
            favorited=r.id in favorited,
            favorites_count=r.favorites_count,
            author=ProfileView(r.username, r.bio, r.image, r.author_id in following),
            published=r.published,
            body_html=body_html_of(r),
            hidden_reason=r.hidden_reason if r.hidden_at is not None else None,
        )
        for r in rows
    ]


def body_html_of(row: ArticleRow) -> str | None:
    """Return the HTML of a row's body: the stored rendering, or a new one if it is stale.

    ``None`` for rows read without either (list pages). Feed rows carry the Markdown only
    when the stored HTML is stale (``feed_queries``), so a fresh one is never rendered.
    """
    if row.body_html is not None and row.body_html_version == markdown.RENDER_VERSION:
        return row.body_html
    if row.body is None:
        return None
    return markdown.render(row.body)


def present_one(
    article: Article, *, viewer: User | None, favorited: bool | None = None
) -> ArticleView:
    """Return the full view of one article, body included (``favorited``: if known)."""
    known = None if favorited is None else ({article.id} if favorited else set())
    return present([ArticleRow.of(article)], viewer=viewer, favorited_ids=known)[0]


PAGE_COLUMNS = (
    Article.id,
    Article.slug,
    Article.title,
    Article.description,
    Article.created_at,
    Article.updated_at,
    Article.favorites_count,
    Article.author_id,
    User.username,
    User.bio,
    User.image,
    Article.tag_names,
)


_ARTICLE_BY_SLUG = (
    select(
        *PAGE_COLUMNS,
        Article.body,
        Article.published,
        Article.body_html,
        Article.body_html_version,
        Article.hidden_at,
        Article.hidden_reason,
    )
    .join(User, User.id == Article.author_id)
    .where(Article.slug == bindparam("slug"))
)


def article_view(*, slug: str, viewer: User | None) -> ArticleView:
    """Return the article with this slug as ``viewer`` sees it, or raise ``NotFound``.

    A draft is found by its author only.
    """
    found = reads.execute(_ARTICLE_BY_SLUG, {"slug": slug}).first()
    row = ArticleRow(*found) if found is not None else None
    if row is None or not (row.published or (viewer is not None and viewer.id == row.author_id)):
        raise NotFound("article not found", field="slug")
    return present([row], viewer=viewer)[0]


@cache
def page_statement(
    *,
    tag: bool = False,
    author: bool = False,
    fan: bool = False,
    feed: bool = False,
    walk: bool = False,
    drafts: bool = False,
) -> Select[*tuple[Any, ...]]:
    """Build (once per shape) the page query, parameterised by bind values.

    ``walk=False`` drives the query from the filter's own index and sorts what it finds;
    ``walk=True`` walks the ``(created_at, id)`` index newest first and tests each article
    against the filter, stopping at the page's end. See ``should_walk`` for the choice.
    Pages hold published articles, or only drafts with ``drafts=True`` (an author's own).
    """
    query = (
        select(*PAGE_COLUMNS)
        .join(User, User.id == Article.author_id)
        # a literal, as in the partial indexes' WHERE (see ``models.only_published``)
        .where(Article.published == (false() if drafts else true()))
    )
    if tag:
        if walk:
            query = query.where(
                exists().where(
                    article_tags.c.article_id == Article.id,
                    article_tags.c.tag_id == bindparam("tag_id"),
                )
            )
        else:
            query = query.join(article_tags, article_tags.c.article_id == Article.id).where(
                article_tags.c.tag_id == bindparam("tag_id"),
                article_tags.c.published == true(),
            )
    if author:
        query = query.where(Article.author_id == bindparam("author_id"))
    if fan:
        if walk:
            query = query.where(
                exists().where(
                    Favorite.article_id == Article.id, Favorite.user_id == bindparam("fan_id")
                )
            )
        else:
            query = query.join(Favorite, Favorite.article_id == Article.id).where(
                Favorite.user_id == bindparam("fan_id")
            )
    if feed:
        followees = select(Follow.followee_id).where(Follow.follower_id == bindparam("viewer_id"))
        # "+ 0" keeps both planners off the author index when walking the date index.
        author_id = Article.author_id + 0 if walk else Article.author_id
        query = query.where(author_id.in_(followees))
    statement: Select[*tuple[Any, ...]] = (
        query.order_by(Article.created_at.desc(), Article.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return statement


def should_walk(*, matching: int, page: PageRequest) -> bool:
    """Tell whether walking the date index beats sorting the ``matching`` rows.

    Sorting costs about ``matching`` rows whatever the page; walking costs about
    ``(offset + limit) * published / matching`` rows (the filter's density decides how far
    the walk goes). Both inputs come from counters, so the choice costs one indexed read.
    """
    if matching <= 0:
        return False
    published = counters.read(PUBLISHED_ARTICLES)
    return matching * matching > (page.offset + page.limit) * published


def _rows(params: dict[str, int], page: PageRequest, **shape: bool) -> list[ArticleRow]:
    statement = page_statement(**shape)
    result = reads.execute(statement, {**params, "limit": page.limit, "offset": page.offset})
    return [ArticleRow(*row) for row in result]


def _count(params: dict[str, int], **shape: bool) -> int:
    statement = page_statement(**shape).limit(None).offset(None).order_by(None)
    counted = select(func.count()).select_from(statement.subquery())
    return int(reads.scalar(counted, params) or 0)


_USER_COUNTS = select(User.id, User.articles_count, User.favorites_count).where(
    User.username_key == bindparam("key")
)
_TAG_COUNTS = select(Tag.id, Tag.articles_count).where(Tag.key == bindparam("key"))


def _user_counts(username: str) -> Any:
    """Return ``(id, articles_count, favorites_count)`` of a username, or ``None``."""
    return reads.execute(_USER_COUNTS, {"key": canonical(username)}).first()


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
    params: dict[str, int] = {}
    totals: list[int] = []
    if tag is not None:
        tag_row = reads.execute(_TAG_COUNTS, {"key": tag_key(tag)}).first()
        if tag_row is None:
            return EMPTY
        params["tag_id"] = tag_row.id
        totals.append(tag_row.articles_count)
    if author is not None:
        author_row = _user_counts(author)
        if author_row is None:
            return EMPTY
        params["author_id"] = author_row.id
        totals.append(author_row.articles_count)
    if favorited is not None:
        fan = _user_counts(favorited)
        if fan is None:
            return EMPTY
        params["fan_id"] = fan.id
        totals.append(fan.favorites_count)
    shape = {"tag": "tag_id" in params, "author": "author_id" in params, "fan": "fan_id" in params}
    if not totals:
        rows = _rows(params, page)
        total = counters.read(PUBLISHED_ARTICLES)
    elif len(totals) == 1:
        total = totals[0]
        walk = not shape["author"] and should_walk(matching=total, page=page)
        rows = _rows(params, page, walk=walk, **shape)
    else:  # combined filters: the planner drives from the narrowest index; count that set
        rows = _rows(params, page, **shape)
        total = _count(params, **shape)
    return ArticlePage(articles=present(rows, viewer=viewer), total=total)


_FEED_TOTAL = select(func.coalesce(func.sum(User.articles_count), 0)).where(
    User.id.in_(select(Follow.followee_id).where(Follow.follower_id == bindparam("viewer_id")))
)


def feed(*, viewer: User, page: PageRequest) -> ArticlePage:
    """Return the newest articles by authors ``viewer`` follows."""
    params = {"viewer_id": viewer.id}
    total = int(reads.scalar(_FEED_TOTAL, params) or 0)
    rows = _rows(params, page, feed=True, walk=should_walk(matching=total, page=page))
    return ArticlePage(articles=present(rows, viewer=viewer, all_followed=True), total=total)


def drafts(*, author: User, page: PageRequest) -> ArticlePage:
    """Return ``author``'s drafts, newest first: a page only they are shown."""
    params = {"author_id": author.id}
    # the page columns leave ``published`` out (lists are of published articles): say so here
    rows = [row._replace(published=False) for row in _rows(params, page, author=True, drafts=True)]
    total = _count(params, author=True, drafts=True)
    return ArticlePage(articles=present(rows, viewer=author), total=total)
