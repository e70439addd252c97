"""What a person's page in the back office reads: their writing, uploads and quota.

Drafts stay private to their author: the page counts them and never reads their titles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, select, true

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.extensions import db
from inkstone.media.models import Upload
from inkstone.media.services import configured_limits

LATEST_ARTICLES = 5


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """A published article, as a link."""

    slug: str
    title: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Writing:
    """How much a person wrote: published (the latest few), drafts, hidden by moderators."""

    published: int
    drafts: int
    hidden: int
    latest: list[ArticleLink]


@dataclass(frozen=True, slots=True)
class Storage:
    """How many files a person uploaded, the bytes they take and the quota they count against."""

    count: int
    used_bytes: int
    quota_bytes: int

    @property
    def percent(self) -> int:
        """Return the share of the quota used, in whole percent (at most 100)."""
        if self.quota_bytes <= 0:
            return 0
        return min(100, self.used_bytes * 100 // self.quota_bytes)


def writing_of(user: User) -> Writing:
    """Return ``user``'s counts of articles by state and their latest published ones."""
    hidden = Article.hidden_at.is_not(None)
    state = select(
        func.count(Article.id).filter(Article.published == true()),
        func.count(Article.id).filter(Article.published == false(), Article.hidden_at.is_(None)),
        func.count(Article.id).filter(hidden),
    ).where(Article.author_id == user.id)
    published, drafts, hidden_count = db.session.execute(state).one()
    latest = db.session.execute(
        select(Article.slug, Article.title, Article.created_at)
        .where(Article.author_id == user.id, Article.published == true())
        .order_by(Article.created_at.desc(), Article.id.desc())
        .limit(LATEST_ARTICLES)
    )
    return Writing(
        published=int(published or 0),
        drafts=int(drafts or 0),
        hidden=int(hidden_count or 0),
        latest=[ArticleLink(row.slug, row.title, row.created_at) for row in latest],
    )


def storage_of(user: User) -> Storage:
    """Return how many files ``user`` uploaded, their bytes, and the upload quota."""
    count, used = db.session.execute(
        select(func.count(Upload.id), func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.owner_id == user.id
        )
    ).one()
    return Storage(
        count=int(count or 0),
        used_bytes=int(used or 0),
        quota_bytes=configured_limits().quota_bytes,
    )
