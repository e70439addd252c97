"""Article services: write, edit, delete, favorite. Counters move with the rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from inkstone.articles import markdown, scheduling
from inkstone.articles.models import PUBLISHED_ARTICLES, Article, Favorite, Tag, article_tags
from inkstone.articles.slugs import unique_slug
from inkstone.articles.tags import encode_names, get_or_create_tags, normalize_tags
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_can_edit, ensure_scope
from inkstone.core import events
from inkstone.core.db import counters, utcnow
from inkstone.core.db.writes import insert_ignoring_conflicts
from inkstone.core.errors import Invalid, NotFound, PermissionDenied
from inkstone.extensions import db


def get_article(*, slug: str, viewer: User | None) -> Article:
    """Return the article with this slug as ``viewer`` may see it, or raise ``NotFound``.

    A draft exists for its author only; to anyone else it is not found.
    """
    article = db.session.scalar(select(Article).where(Article.slug == slug))
    if article is None or not can_see(article, viewer):
        raise NotFound("article not found", field="slug")
    return article


def can_see(article: Article, viewer: User | None) -> bool:
    """Tell whether ``viewer`` may see ``article`` (drafts are their author's alone)."""
    return article.published or (viewer is not None and viewer.id == article.author_id)


# Counters move in the database with one UPDATE each, without the ORM looking for the rows
# it may hold (the costly part of an ORM bulk UPDATE); what it holds is expired instead.
_COUNTER_UPDATE = {"synchronize_session": False}


def _bump_tags(tags: list[Tag], delta: int) -> None:
    if tags:
        db.session.execute(
            update(Tag)
            .where(Tag.id.in_([t.id for t in tags]))
            .values(articles_count=Tag.articles_count + delta)
            .execution_options(**_COUNTER_UPDATE)
        )
        for tag in tags:
            db.session.expire(tag, ["articles_count"])


def _bump_author(author_id: int, delta: int) -> None:
    db.session.execute(
        update(User)
        .where(User.id == author_id)
        .values(articles_count=User.articles_count + delta, updated_at=User.updated_at)
        .execution_options(**_COUNTER_UPDATE)
    )
    author = db.session.identity_map.get(identity_key(User, author_id))
    if author is not None:
        db.session.expire(author, ["articles_count"])


def count_published(article: Article, delta: int) -> None:
    """Move every counter that counts published articles (tags, author, site)."""
    _bump_tags(list(article.tags), delta)
    _bump_author(article.author_id, delta)
    counters.bump(PUBLISHED_ARTICLES, delta)


def mirror_published(article: Article) -> None:
    """Give the article's tag links its ``published`` (a tag's page skips drafts by it)."""
    db.session.execute(
        update(article_tags)
        .where(article_tags.c.article_id == article.id)
        .values(published=article.published)
    )


def _render_body(article: Article) -> None:
    article.body_html = markdown.render(article.body)
    article.body_html_version = markdown.RENDER_VERSION


def _clean_title(title: str) -> str:
    """Return ``title`` trimmed, or raise ``Invalid`` if nothing but white space is left."""
    cleaned = title.strip()
    if not cleaned:
        raise Invalid("can't be blank", field="title")
    return cleaned


def create_article(
    *,
    author: User,
    title: str,
    description: str,
    body: str,
    tag_list: list[str] | None = None,
    published: bool = True,
    publish_at: datetime | None = None,
) -> Article:
    """Write a new article by ``author``: published, or a draft only they can see.

    A draft with ``publish_at`` is scheduled (``articles.scheduling``; a naive time is read
    in the author's time zone).
    """
    ensure_scope(author, Scope.ARTICLES_WRITE)
    title = _clean_title(title)
    if publish_at is not None:
        if published:
            raise Invalid(scheduling.PUBLISHED_ALREADY, field=scheduling.FIELD)
        publish_at = scheduling.check_publish_at(publish_at, author=author)
    tags = get_or_create_tags(normalize_tags(tag_list or []))
    article = Article(
        slug=unique_slug(title),
        title=title,
        description=description.strip(),
        body=body,
        author=author,
        tags=tags,
        tag_names=encode_names(tags),
        published=published,
        publish_at=publish_at,
    )
    _render_body(article)
    db.session.add(article)
    db.session.flush()
    if published:
        count_published(article, +1)
        events.article_published.send(article=article, actor=author)
    elif tags:
        mirror_published(article)
    return article


EDITABLE_FIELDS = frozenset({"title", "description", "body", "tag_list", "published", "publish_at"})
# A moderator hid the article (``articles.moderation``): only a moderator's restore publishes it.
HIDDEN_BY_MODERATOR = (
    "a moderator hid this article; it can't be published again until a moderator restores it"
)


def update_article(*, article: Article, actor: User, changes: Mapping[str, Any]) -> Article:
    """Apply ``changes`` to ``article``; a new title gives a new slug.

    ``published`` moves a draft out (it then counts as new: its date becomes now) or takes
    a published article back to a draft. A hidden article is not published this way
    (``PermissionDenied``): a moderator restores it. ``publish_at`` schedules a draft (a
    time; see ``articles.scheduling``) or cancels its schedule (``None``).
    """
    ensure_can_edit(article, actor, moderate=Scope.ARTICLES_MODERATE, what="article")
    if changes.get("published") and article.hidden_at is not None:
        raise PermissionDenied(HIDDEN_BY_MODERATOR, field="published")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _reschedule(article, changes)
    changed: set[str] = set()
    if changes.get("title") is not None and _clean_title(changes["title"]) != article.title:
        article.title = _clean_title(changes["title"])
        article.slug = unique_slug(article.title, current=article.slug)
        changed.add("title")
    if changes.get("description") is not None:
        description = changes["description"].strip()
        if description != article.description:
            article.description = description
            changed.add("description")
    if changes.get("body") is not None and changes["body"] != article.body:
        article.body = changes["body"]
        _render_body(article)
        changed.add("body")
    retagged = changes.get("tag_list") is not None
    if retagged:
        before = article.tag_names
        _replace_tags(article, normalize_tags(changes["tag_list"]))
        if article.tag_names != before:
            changed.add("tag_list")
    now = utcnow()
    publish = changes.get("published")
    moved = publish is not None and bool(publish) != article.published
    if moved:
        article.published = bool(publish)
        if article.published:
            article.created_at = now
            article.publish_at = None  # published now: nothing left to schedule
        count_published(article, +1 if article.published else -1)
    article.updated_at = now
    db.session.flush()
    if moved or (retagged and not article.published):
        mirror_published(article)
    _announce_update(article, actor, moved=moved, changed=changed)
    return article


def _reschedule(article: Article, changes: Mapping[str, Any]) -> None:
    """Apply a ``publish_at`` change (checked before anything else changes)."""
    if "publish_at" not in changes:
        return
    when = changes["publish_at"]
    if when is None:
        article.publish_at = None
        return
    if article.hidden_at is not None:
        raise PermissionDenied(HIDDEN_BY_MODERATOR, field=scheduling.FIELD)
    if changes.get("published", article.published):
        raise Invalid(scheduling.PUBLISHED_ALREADY, field=scheduling.FIELD)
    moment = scheduling.to_utc(when, author=article.author)
    if moment != article.publish_at:  # an unchanged time is kept, even if it just passed
        article.publish_at = scheduling.check_publish_at(moment, author=article.author)


def _announce_update(article: Article, actor: User, *, moved: bool, changed: set[str]) -> None:
    if moved and article.published:
        events.article_published.send(article=article, actor=actor)
    elif moved:
        events.article_unpublished.send(article=article, actor=actor)
    if changed:
        events.article_updated.send(article=article, actor=actor, changed=frozenset(changed))


def _replace_tags(article: Article, names: list[str]) -> None:
    new_tags = get_or_create_tags(names)
    if article.published:
        old_ids = {t.id for t in article.tags}
        new_ids = {t.id for t in new_tags}
        _bump_tags([t for t in article.tags if t.id not in new_ids], -1)
        _bump_tags([t for t in new_tags if t.id not in old_ids], +1)
    article.tags = new_tags
    article.tag_names = encode_names(new_tags)


def delete_article(*, article: Article, actor: User) -> None:
    """Delete ``article`` with its comments, favorites and tag links."""
    ensure_can_edit(article, actor, moderate=Scope.ARTICLES_MODERATE, what="article")
    favoriters = select(Favorite.user_id).where(Favorite.article_id == article.id)
    db.session.execute(
        update(User)
        .where(User.id.in_(favoriters))
        .values(favorites_count=User.favorites_count - 1, updated_at=User.updated_at)
    )
    was_published = article.published
    if was_published:
        count_published(article, -1)
    article_id, slug, author_id = article.id, article.slug, article.author_id
    db.session.delete(article)
    db.session.flush()
    events.article_deleted.send(
        article_id=article_id,
        slug=slug,
        author_id=author_id,
        was_published=was_published,
        actor=actor,
    )


DRAFT_NOT_FAVORITED = "a draft can't be favorited or unfavorited"


def favorite(*, article: Article, user: User) -> bool:
    """Mark ``article`` as a favorite of ``user``; return whether it was new."""
    if not article.published:
        raise Invalid(DRAFT_NOT_FAVORITED, field="article")
    added = insert_ignoring_conflicts(Favorite, {"user_id": user.id, "article_id": article.id}) == 1
    if added:
        _bump_favorites(article, user, +1)
        events.article_favorited.send(article=article, user=user)
    return added


def unfavorite(*, article: Article, user: User) -> bool:
    """Remove ``user``'s favorite mark from ``article``; return whether one existed.

    Refused for a draft, as favoriting is (``Invalid``): one answer for both.
    """
    if not article.published:
        raise Invalid(DRAFT_NOT_FAVORITED, field="article")
    stmt = delete(Favorite).where(Favorite.user_id == user.id, Favorite.article_id == article.id)
    removed: bool = db.session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
    if removed:
        _bump_favorites(article, user, -1)
        events.article_unfavorited.send(article=article, user=user)
    return removed


def _bump_favorites(article: Article, user: User, delta: int) -> None:
    # Core statements on the tables: an ORM-enabled UPDATE costs as much again in Python.
    articles, users = cast(Table, Article.__table__), cast(Table, User.__table__)
    count = db.session.execute(
        articles.update()
        .where(articles.c.id == article.id)
        # counters are not edits: keep updated_at
        .values(
            favorites_count=articles.c.favorites_count + delta,
            updated_at=articles.c.updated_at,
        )
        .returning(articles.c.favorites_count)
    ).scalar_one()
    db.session.execute(
        users.update()
        .where(users.c.id == user.id)
        .values(favorites_count=users.c.favorites_count + delta, updated_at=users.c.updated_at)
    )
    # The count as this UPDATE left it (others may favorite at the same moment).
    set_committed_value(article, "favorites_count", count)
    db.session.expire(user, ["favorites_count"])


def render_stale_bodies(
    *,
    batch_size: int = 500,
    everything: bool = False,
    after_batch: Callable[[int], None] | None = None,
) -> int:
    """Render and store again the HTML an older renderer stored (every article's if ``everything``).

    Walks the table in id order ``batch_size`` rows at a time, reading plain rows and writing
    each batch with one executemany, so memory stays flat however many articles there are.
    ``after_batch`` gets each flushed batch's size (the CLI commits there). Rendering is not
    an edit: ``updated_at`` stays. Returns how many articles were rendered.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    db.session.flush()
    batch = (
        select(Article.id, Article.body)
        .where(Article.id > bindparam("after"))
        .order_by(Article.id)
        .limit(bindparam("limit"))
    )
    if not everything:
        batch = batch.where(
            or_(
                Article.body_html.is_(None),
                Article.body_html_version != markdown.RENDER_VERSION,
            )
        )
    store = (
        update(Article)
        .where(Article.id == bindparam("article_id"))
        .values(
            body_html=bindparam("html"),
            body_html_version=markdown.RENDER_VERSION,
            updated_at=Article.updated_at,
        )
    )
    total, after = 0, 0
    while True:
        # a commit in after_batch hands the connection back: ask the session each time
        connection = db.session.connection()
        rows = connection.execute(batch, {"after": after, "limit": batch_size}).all()
        if not rows:
            break
        rendered = [{"article_id": id_, "html": markdown.render(body)} for id_, body in rows]
        connection.execute(store, rendered)
        total += len(rows)
        after = rows[-1].id
        if after_batch is not None:
            after_batch(len(rows))
        if len(rows) < batch_size:
            break
    return total
