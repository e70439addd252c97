"""Moderation of articles and comments: hide, restore, pin, remove, and the moderators' lists.

Hiding takes a published article out of public view exactly as unpublishing it would (every
list, feed, tag count and counter drops it) while its author still sees it, with the
moderator's reason; restoring puts it back with its original date. Drafts are their author's
alone: no moderation list shows them and no action here touches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, literal_column, or_, select, true, union_all
from sqlalchemy.orm import contains_eager

from inkstone.articles import queries
from inkstone.articles.models import HIDDEN_REASON_MAX, PUBLISHED_ARTICLES, Article, Comment
from inkstone.articles.services import count_published, delete_article, mirror_published
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_scope
from inkstone.auth.usernames import canonical
from inkstone.core import events
from inkstone.core.db import counters, like, reads, utcnow
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Conflict, Invalid, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db

_Row = TypeVarTuple("_Row")
STATUSES = ("published", "hidden", "pinned")
SEARCH_MAX = 200
EXCERPT_LENGTH = 80
ALREADY_HIDDEN = "this article is hidden already"
NOT_HIDDEN = "this article is not hidden"
NOT_PUBLISHED = "only a published article can be pinned"


def clean_reason(reason: str, *, field: str = "reason", limit: int = HIDDEN_REASON_MAX) -> str:
    """Return ``reason`` trimmed, or raise ``Invalid`` if it is blank or too long."""
    text = (reason or "").strip()
    if not text:
        raise Invalid("can't be blank", field=field)
    if "\x00" in text:
        raise Invalid("must not contain NUL characters", field=field)
    if len(text) > limit:
        raise Invalid(f"is too long (maximum is {limit} characters)", field=field)
    return text


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """Return the start of ``text`` on one line, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def _detail(article: Article, **more: Any) -> dict[str, Any]:
    return {"slug": article.slug, "title": article.title, **more}


# --------------------------------------------------------------------------- articles


def moderated_article(*, slug: str) -> Article:
    """Return the published or hidden article with this slug (never a draft), or ``NotFound``."""
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not (article.published or article.hidden_at is not None):
        raise NotFound("article not found", field="slug")
    return article


def hide_article(*, article: Article, actor: User, reason: str) -> Article:
    """Hide a published article from everyone but its author, who is shown ``reason``."""
    ensure_scope(actor, Scope.ARTICLES_MODERATE)
    reason = clean_reason(reason)
    if article.hidden_at is not None:
        raise Conflict(ALREADY_HIDDEN, field="article")
    if not article.published:
        raise NotFound("article not found", field="slug")  # a draft is its author's alone
    article.hidden_at = utcnow()
    article.hidden_reason = reason
    article.published = False
    article.pinned_at = None
    count_published(article, -1)
    db.session.flush()
    mirror_published(article)
    events.article_unpublished.send(article=article, actor=actor)
    events.article_hidden.send(article=article, actor=actor, reason=reason)
    record_event(
        Event.ARTICLE_HIDDEN, user=article.author, actor=actor, **_detail(article, reason=reason)
    )
    return article


def restore_article(*, article: Article, actor: User) -> Article:
    """Publish a hidden article again, under its original date."""
    ensure_scope(actor, Scope.ARTICLES_MODERATE)
    if article.hidden_at is None:
        raise Conflict(NOT_HIDDEN, field="article")
    article.hidden_at = None
    article.hidden_reason = ""
    article.published = True
    count_published(article, +1)
    db.session.flush()
    mirror_published(article)
    events.article_published.send(article=article, actor=actor)
    record_event(Event.ARTICLE_RESTORED, user=article.author, actor=actor, **_detail(article))
    return article


def remove_article(*, article: Article, actor: User, reason: str = "") -> None:
    """Delete an article as a moderator (with its comments), and log who did it."""
    ensure_scope(actor, Scope.ARTICLES_MODERATE)
    detail = _detail(article, reason=reason.strip()[:HIDDEN_REASON_MAX])
    record_event(Event.ARTICLE_REMOVED, user=article.author, actor=actor, **detail)
    delete_article(article=article, actor=actor)


def pin_article(*, article: Article, actor: User) -> Article:
    """Pin a published article to the top of the home page."""
    ensure_scope(actor, Scope.ARTICLES_MODERATE)
    if not article.published:
        raise Invalid(NOT_PUBLISHED, field="article")
    if article.pinned_at is None:
        article.pinned_at = utcnow()
        db.session.flush()
        record_event(Event.ARTICLE_PINNED, user=article.author, actor=actor, **_detail(article))
        events.article_updated.send(article=article, actor=actor, changed=frozenset({"pinned"}))
    return article


def unpin_article(*, article: Article, actor: User) -> Article:
    """Take an article off the top of the home page."""
    ensure_scope(actor, Scope.ARTICLES_MODERATE)
    if article.pinned_at is not None:
        article.pinned_at = None
        db.session.flush()
        record_event(Event.ARTICLE_UNPINNED, user=article.author, actor=actor, **_detail(article))
        events.article_updated.send(article=article, actor=actor, changed=frozenset({"pinned"}))
    return article


def _article_filters(
    query: Select[Any], *, q: str | None, author: str | None, status: str | None
) -> Select[Any]:
    if status == "hidden":
        query = query.where(Article.hidden_at.is_not(None))
    elif status == "pinned":
        query = query.where(Article.published == true(), Article.pinned_at.is_not(None))
    elif status == "published":
        query = query.where(Article.published == true())
    else:  # drafts are never listed
        query = query.where(or_(Article.published == true(), Article.hidden_at.is_not(None)))
    if q:
        query = query.where(
            func.lower(Article.title).like(like.contains(q.strip().lower()), escape=like.ESCAPE)
        )
    if author:
        query = query.where(User.username_key == canonical(author.strip()))
    return query


def list_moderated_articles(
    *,
    page: PageRequest,
    q: str | None = None,
    author: str | None = None,
    status: str | None = None,
) -> tuple[list[Article], int]:
    """Return one page of published and hidden articles (newest first) and their total.

    ``q`` matches part of the title (any case); ``author`` is a username; ``status`` one of
    ``STATUSES``.
    """
    if status is not None and status not in STATUSES:
        raise Invalid("unknown status", field="status")
    base = select(Article).join(User, User.id == Article.author_id)
    query = _article_filters(base, q=q, author=author, status=status)
    articles = list(
        db.session.scalars(
            query.options(contains_eager(Article.author))
            .order_by(Article.created_at.desc(), Article.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    if len(articles) < page.limit and (articles or page.offset == 0):
        return articles, page.offset + len(articles)
    counted = select(func.count(Article.id)).join(User, User.id == Article.author_id)
    total = db.session.scalar(_article_filters(counted, q=q, author=author, status=status))
    return articles, int(total or 0)


# --------------------------------------------------------------------------- comments


def _comment_filters(query: Select[*_Row], *, q: str | None, author: str | None) -> Select[*_Row]:
    # comments under drafts stay with the draft: private to its author
    query = query.where(or_(Article.published == true(), Article.hidden_at.is_not(None)))
    if q:
        query = query.where(
            func.lower(Comment.body).like(like.contains(q.strip().lower()), escape=like.ESCAPE)
        )
    if author:
        query = query.where(
            User.username_key.like(
                like.contains(canonical(author.strip()).lower()), escape=like.ESCAPE
            )
        )
    return query


def list_moderated_comments(
    *, page: PageRequest, q: str | None = None, author: str | None = None
) -> tuple[list[tuple[Comment, Article]], int]:
    """Return one page of comments (newest first) with their articles, and the total.

    ``q`` matches part of the body, ``author`` part of the commenter's username (any case).
    """
    base = (
        select(Comment, Article)
        .join(Article, Article.id == Comment.article_id)
        .join(User, User.id == Comment.author_id)
    )
    query = _comment_filters(base, q=q, author=author)
    rows = [
        (comment, article)
        for comment, article in db.session.execute(
            query.order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    ]
    if len(rows) < page.limit and (rows or page.offset == 0):
        return rows, page.offset + len(rows)
    counted = (
        select(func.count(Comment.id))
        .join(Article, Article.id == Comment.article_id)
        .join(User, User.id == Comment.author_id)
    )
    return rows, int(db.session.scalar(_comment_filters(counted, q=q, author=author)) or 0)


def find_comments(*, ids: Iterable[int]) -> list[tuple[Comment, Article]]:
    """Return the comments with these ids (unknown or impossible ids skipped), oldest first."""
    wanted = sorted({i for i in ids if is_possible_id(i)})
    if not wanted:
        return []
    query = (
        select(Comment, Article)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.id.in_(wanted))
        .where(or_(Article.published == true(), Article.hidden_at.is_not(None)))
        .order_by(Comment.created_at, Comment.id)
    )
    return [(comment, article) for comment, article in db.session.execute(query)]


def remove_comment(*, comment: Comment, article: Article, actor: User) -> None:
    """Delete someone's comment as a moderator, and log who did it."""
    ensure_scope(actor, Scope.COMMENTS_MODERATE)
    record_event(
        Event.COMMENT_REMOVED,
        user=comment.author,
        actor=actor,
        comment_id=str(comment.id),
        slug=article.slug,
        excerpt=excerpt(comment.body),
    )
    comment_id, author_id = comment.id, comment.author_id
    db.session.delete(comment)
    db.session.flush()
    events.comment_deleted.send(
        comment_id=comment_id, article=article, author_id=author_id, actor=actor
    )


def remove_comments(*, ids: Iterable[int], actor: User) -> int:
    """Delete the comments with these ids as a moderator; return how many were deleted."""
    ensure_scope(actor, Scope.COMMENTS_MODERATE)
    found = find_comments(ids=ids)
    for comment, article in found:
        remove_comment(comment=comment, article=article, actor=actor)
    return len(found)


# --------------------------------------------------------------------------- the home page's pins

# The pinned articles heading the home page: at most this many, newest pin first.
PINNED_MAX = 5


@cache
def _with_pinned_statement() -> Select[*tuple[Any, ...]]:
    """Build the first page of the newest articles with the pinned ones in the same query.

    One statement (a UNION ALL), so the home page costs no more queries for its pins. The
    pins come from the partial index on ``pinned_at``; a hidden or unpublished article is
    never among them. Each row says whether it is a pin (``pin``).
    """
    pinned = (
        select(
            *queries.PAGE_COLUMNS,
            literal_column("1").label("pin"),
            Article.pinned_at.label("sort_at"),
        )
        .join(User, User.id == Article.author_id)
        .where(Article.pinned_at.is_not(None), Article.published == true())
        .order_by(Article.pinned_at.desc(), Article.id.desc())
        .limit(PINNED_MAX)
        .subquery()
    )
    newest = (
        queries.page_statement()
        .add_columns(literal_column("0").label("pin"), Article.created_at.label("sort_at"))
        .subquery()
    )
    both = union_all(select(pinned), select(newest)).subquery()
    statement: Select[*tuple[Any, ...]] = select(both).order_by(
        both.c.pin.desc(), both.c.sort_at.desc(), both.c.id.desc()
    )
    return statement


def home_articles(*, viewer: User | None, page: PageRequest) -> queries.ArticlePage:
    """Return a page of the newest articles; the first also has the pinned ones (``pinned``).

    The pins are read in the same query as the page, and left out of the page below them.
    """
    if page.offset > 0:
        return queries.list_articles(viewer=viewer, page=page)
    result = reads.execute(_with_pinned_statement(), {"limit": page.limit, "offset": 0})
    width = len(queries.PAGE_COLUMNS)
    pinned: list[queries.ArticleRow] = []
    rows: list[queries.ArticleRow] = []
    for found in result:
        (pinned if found.pin else rows).append(queries.ArticleRow(*found[:width]))
    pinned_ids = {row.id for row in pinned}
    rows = [row for row in rows if row.id not in pinned_ids]
    views = queries.present([*pinned, *rows], viewer=viewer)
    return queries.ArticlePage(
        articles=views[len(pinned) :],
        total=counters.read(PUBLISHED_ARTICLES),
        pinned=views[: len(pinned)],
    )
