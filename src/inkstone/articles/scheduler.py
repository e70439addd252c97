"""The worker's side of scheduled publishing: claim each due draft, then publish it.

See ``articles.scheduling`` for the rules and why a draft is published exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import bindparam, false, select, update

from inkstone.articles.models import Article
from inkstone.articles.services import update_article
from inkstone.auth.models import User, UserStatus
from inkstone.core.db import reads, utcnow
from inkstone.core.errors import DomainError
from inkstone.extensions import db

log = structlog.get_logger(__name__)

DUE_BATCH = 100

_DUE = (
    select(Article.id)
    .join(User, User.id == Article.author_id)
    .where(
        Article.published == false(),
        Article.publish_at <= bindparam("now"),
        Article.hidden_at.is_(None),
        # a suspended author's drafts wait: they go out on the first beat after a restore
        User.status.in_([UserStatus.ACTIVE, UserStatus.UNVERIFIED]),
    )
    .order_by(Article.publish_at, Article.id)
    .limit(bindparam("limit"))
)


def claim(*, article_id: int, now: datetime) -> bool:
    """Clear the draft's ``publish_at`` if it is still due; return whether this call did it.

    The one conditional UPDATE that makes publishing happen once: of several transactions
    trying, one changes the row and the others then find it claimed.
    """
    result = db.session.execute(
        update(Article)
        .where(
            Article.id == article_id,
            Article.published == false(),
            Article.publish_at <= now,
            Article.hidden_at.is_(None),
        )
        .values(publish_at=None, updated_at=Article.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def publish_one(*, article_id: int, now: datetime) -> bool:
    """Publish one due draft in its own transaction; return whether this call published it."""
    try:
        if not claim(article_id=article_id, now=now):
            db.session.rollback()
            return False
        article = db.session.get(Article, article_id, populate_existing=True)
        assert article is not None  # the claim just matched it
        update_article(article=article, actor=article.author, changes={"published": True})
        db.session.commit()
    except DomainError as error:  # the author may no longer publish: leave it a plain draft
        db.session.rollback()
        log.warning("articles.schedule_refused", article_id=article_id, reason=error.message)
        claim(article_id=article_id, now=now)
        db.session.commit()
        return False
    except BaseException:
        db.session.rollback()
        raise
    log.info("articles.published_on_schedule", article_id=article_id)
    return True


def publish_due(
    *, now: datetime | None = None, on_publish: Callable[[int], None] | None = None
) -> int:
    """Publish every draft whose time has come, each in its own transaction; return how many.

    Safe to run anywhere at any time, at once in several processes: see the module's note.
    """
    published = 0
    while True:
        moment = now or utcnow()
        due = reads.scalars(_DUE, {"now": moment, "limit": DUE_BATCH})
        db.session.rollback()  # end the read: each claim starts a transaction of its own
        for article_id in due:
            if publish_one(article_id=article_id, now=moment):
                published += 1
                if on_publish is not None:
                    on_publish(article_id)
        if len(due) < DUE_BATCH:
            return published
