"""Article, Tag, Favorite and Comment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inkstone.auth.models import User
from inkstone.core.db import Base, BigId, TimestampMixin, utcnow

SLUG_MAX = 255
TITLE_MAX = 200
DESCRIPTION_MAX = 500
BODY_MAX = 100_000
TAG_MAX = 40
TAGS_PER_ARTICLE = 10
COMMENT_MAX = 10_000
HIDDEN_REASON_MAX = 500
# The running total of published articles (``core.counters``), kept by the services.
PUBLISHED_ARTICLES = "articles.published"

article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The article's ``published``, kept in step by the services: a tag's page finds its
    # published articles without visiting its drafts.
    Column("published", Boolean, nullable=False, server_default=true()),
)


def only_published(column: Any) -> dict[str, Any]:
    """Return the options making an index partial: rows where ``column`` is true.

    Public lists and feeds walk such indexes, so drafts (however many one account imports)
    cost them nothing. Their queries say ``published = true`` as a literal, as the index
    does, which both planners need to pick a partial index.
    """
    return {"sqlite_where": column == true(), "postgresql_where": column == true()}


Index(
    "ix_article_tags_published_tag_id",
    article_tags.c.tag_id,
    article_tags.c.article_id,
    **only_published(article_tags.c.published),
)


class Tag(Base):
    """A topic; unique by its case-folded ``key``, shown as first written."""

    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint(f"length(name) BETWEEN 1 AND {TAG_MAX}", name="name_length"),
        CheckConstraint("articles_count >= 0", name="articles_count_positive"),
        # The tag cloud (most used first, ties newest first) is read backwards off this index.
        Index("ix_tags_popularity", "articles_count", "id", "name"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_MAX))
    key: Mapped[str] = mapped_column(String(TAG_MAX * 3), unique=True)
    articles_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


class Article(TimestampMixin, Base):
    """A piece of writing by one author."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(f"length(slug) BETWEEN 1 AND {SLUG_MAX}", name="slug_length"),
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_MAX}", name="title_length"),
        CheckConstraint(f"length(description) <= {DESCRIPTION_MAX}", name="description_length"),
        CheckConstraint(f"length(body) <= {BODY_MAX}", name="body_length"),
        CheckConstraint("favorites_count >= 0", name="favorites_count_positive"),
        # Every article of an author, drafts included: their drafts page, deleting an account.
        Index("ix_articles_author_id_created_at_id", "author_id", "created_at", "id"),
        # An import skips the rows whose author already has the article: a look-up per row
        # that must not read every article of an author who has a million.
        Index("ix_articles_author_id_title", "author_id", "title"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    favorites_count: Mapped[int] = mapped_column(default=0)
    # The display names of ``tags``, sorted, as a JSON array: pages show tags without a join.
    # article_tags stays the truth for filtering; services keep both in step.
    tag_names: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # A draft (False) is seen by its author only: no list, feed, tag count or counter has it.
    published: Mapped[bool] = mapped_column(default=True, server_default=true())
    # ``body`` rendered to sanitised HTML when written, and the renderer version that did it:
    # pages never render Markdown on a read unless the renderer has changed since.
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    body_html_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A draft with a ``publish_at`` is scheduled: the worker publishes it then, as its
    # author would (``articles.scheduling``). Cleared when it is published or cancelled.
    publish_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # Moderation. A hidden article is taken out of public view (``published`` goes false, as
    # for a draft) and only its author sees it, with the moderator's reason (who hid it is in
    # the audit log); the author cannot publish it again until a moderator restores it. A
    # pinned article heads the home page.
    hidden_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden_reason: Mapped[str] = mapped_column(String(HIDDEN_REASON_MAX), default="")
    pinned_at: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug}>"


# The newest published articles: lists, feeds, the sitemap; of one author: profiles, the feed.
Index(
    "ix_articles_published_created_at_id",
    Article.created_at,
    Article.id,
    **only_published(Article.published),
)
Index(
    "ix_articles_published_author_id_created_at_id",
    Article.author_id,
    Article.created_at,
    Article.id,
    **only_published(Article.published),
)


# The pinned articles heading the home page: few, found without reading the others.
Index(
    "ix_articles_pinned_at",
    Article.pinned_at,
    sqlite_where=Article.pinned_at.is_not(None),
    postgresql_where=Article.pinned_at.is_not(None),
)


class Favorite(Base):
    """A user's mark on an article they like; at most one per pair."""

    __tablename__ = "favorites"
    __table_args__ = (Index("ix_favorites_article_id", "article_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Favorite {self.user_id}->{self.article_id}>"


class Comment(TimestampMixin, Base):
    """A reader's reply under an article."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {COMMENT_MAX}", name="body_length"),
        Index("ix_comments_article_id_created_at", "article_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.article_id}>"
