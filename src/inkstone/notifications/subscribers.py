"""The events that make notifications, heard after their transaction commits.

Each subscriber runs in whichever process committed (a web request, a worker), in a short
transaction of its own that it commits, then tells the readers' open tabs (``live``). A
failure is logged and loses only the notification: the action it tells of is committed
already. An account being deleted takes its notifications with it, in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import structlog
from sqlalchemy import inspect, select

from inkstone.articles.mentions import find_mentions
from inkstone.articles.models import Article, Comment
from inkstone.auth.models import User
from inkstone.auth.usernames import canonical
from inkstone.core import events
from inkstone.core.db import lock_for_writing
from inkstone.extensions import db
from inkstone.jobs.models import JobStatus
from inkstone.notifications import live, mailing, services
from inkstone.notifications.models import Kind

log = structlog.get_logger(__name__)
EXCERPT_MAX = 120


def _id_of(instance: Any) -> int | None:
    """Return a loaded object's id without loading it again (it is expired after commit)."""
    identity = inspect(instance).identity
    return int(identity[0]) if identity else None


def _committed(name: str, work: Callable[[], Iterable[services.Made | None]]) -> None:
    """Run ``work`` in a transaction of its own, mail what it made, commit, tell open tabs."""
    try:
        lock_for_writing(db.session)
        made = [m for m in work() if m is not None]
        for one in made:
            mailing.mail_now(one)
        # Read before the commit expires them: reading them after would begin a transaction
        # that nobody ends (holding its locks: a migration waited on one for ever).
        recipients = {one.recipient.id for one in made}
        db.session.commit()
    except Exception:  # the action is committed: a lost notification must not undo it
        db.session.rollback()
        log.exception("notifications.failed", domain_event=name)
        return
    _announce(recipients)


def _announce(user_ids: set[int]) -> None:
    if not user_ids:
        return
    try:
        live.announce(sorted(user_ids))
    except Exception:  # open tabs catch up by polling
        log.exception("notifications.announce_failed")


def _excerpt(body: str) -> str:
    return " ".join(body.split())[:EXCERPT_MAX]


def _mentioned(names: list[str]) -> list[User]:
    if not names:
        return []
    keys = [canonical(name) for name in names]
    found = {
        u.username_key: u
        for u in db.session.scalars(select(User).where(User.username_key.in_(keys)))
    }
    return [found[key] for key in dict.fromkeys(keys) if key in found]


def on_comment_added(*, comment: Comment, article: Article, actor: User, **_: Any) -> None:
    """Tell the article's author of a comment, and each person it mentions."""

    def work() -> list[services.Made | None]:
        comment_id = _id_of(comment)
        body, author_id = comment.body, article.author_id
        data = {"excerpt": _excerpt(body)}
        common: dict[str, Any] = {
            "actor": actor,
            "article": article,
            "comment_id": comment_id,
            "data": data,
        }
        made = [services.notify(recipient_id=author_id, kind=Kind.COMMENT, **common)]
        for person in _mentioned(find_mentions(body)):
            if person.id != author_id:  # the author hears of it once, as a comment
                made.append(services.notify(recipient_id=person.id, kind=Kind.MENTION, **common))
        return made

    _committed("comment_added", work)


def on_user_followed(*, follower: User, followee: User, **_: Any) -> None:
    """Tell a person of a new follower."""
    _committed(
        "user_followed",
        lambda: [services.notify(recipient_id=followee.id, kind=Kind.FOLLOW, actor=follower)],
    )


def on_article_favorited(*, article: Article, user: User, **_: Any) -> None:
    """Tell an author of a favorite (grouped with the others not read yet)."""
    _committed(
        "article_favorited",
        lambda: [
            services.notify(
                recipient_id=article.author_id, kind=Kind.FAVORITE, actor=user, article=article
            )
        ],
    )


def on_job_finished(*, job_id: int, kind: str, owner_id: int | None, status: str, **_: Any) -> None:
    """Tell a job's owner it is done or failed (one they cancelled needs no word)."""
    if owner_id is None or status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return
    _committed(
        "job_finished",
        lambda: [
            services.notify(
                recipient_id=owner_id,
                kind=Kind.JOB,
                job_id=job_id,
                data={"job_kind": kind, "status": str(status)},
            )
        ],
    )


def on_article_hidden(*, article: Article, actor: User, reason: str, **_: Any) -> None:
    """Tell an author a moderator hid their article, and why."""
    _committed(
        "article_hidden",
        lambda: [
            services.notify(
                recipient_id=article.author_id,
                kind=Kind.MODERATION,
                actor=actor,
                article=article,
                data={"reason": reason},
            )
        ],
    )


def on_report_resolved(
    *,
    reporter_id: int | None,
    target_type: str,
    target_label: str,
    article_slug: str | None,
    action: str,
    note: str | None,
    actor: User,
    **_: Any,
) -> None:
    """Tell whoever filed a report what came of it."""
    if reporter_id is None:
        return
    data = {
        "target": target_type,
        "label": _excerpt(target_label or ""),
        "slug": article_slug,
        "action": action,
        "note": note or "",
    }
    _committed(
        "report_resolved",
        lambda: [
            services.notify(recipient_id=reporter_id, kind=Kind.REPORT, actor=actor, data=data)
        ],
    )


def _forget(name: str, remove: Callable[[], list[int]]) -> None:
    try:
        lock_for_writing(db.session)
        owners = remove()
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("notifications.forget_failed", domain_event=name)
        return
    _announce(set(owners))


def on_comment_deleted(*, comment_id: int, **_: Any) -> None:
    """A deleted comment's notifications go with it."""
    _forget("comment_deleted", lambda: services.forget_comment(comment_id=comment_id))


def on_article_unpublished(*, article: Article, **_: Any) -> None:
    """An article out of public view is no longer news to anyone but its author."""
    article_id = _id_of(article)
    if article_id is None:
        return
    _forget(
        "article_unpublished",
        lambda: services.forget_article_for_others(
            article_id=article_id, author_id=article.author_id
        ),
    )


def on_user_deleting(*, user: User, **_: Any) -> None:
    """Remove a deleted account's notifications and choices, in the deletion's transaction.

    Accounts are scrubbed, not deleted, so the foreign keys' CASCADE never fires for them.
    """
    services.forget_account(user_id=user.id)


def subscribe() -> None:
    """Connect the notifications to the events (every ``create_app`` may call this again)."""
    events.comment_added.connect(on_comment_added)
    events.user_followed.connect(on_user_followed)
    events.article_favorited.connect(on_article_favorited)
    events.job_finished.connect(on_job_finished)
    events.article_hidden.connect(on_article_hidden)
    events.report_resolved.connect(on_report_resolved)
    events.comment_deleted.connect(on_comment_deleted)
    events.article_unpublished.connect(on_article_unpublished)
    events.user_deleting.connect(on_user_deleting, when=events.IN_TRANSACTION)
