"""Comment services: list, add, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from inkstone.articles.models import Article, Comment
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_can_edit, ensure_scope
from inkstone.core import events
from inkstone.core.db import reads
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Invalid, NotFound, PermissionDenied
from inkstone.core.site import site_settings
from inkstone.extensions import db
from inkstone.profiles.services import ProfileView, following_ids


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as one viewer sees it."""

    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author: ProfileView


_COMMENTS_OF = (
    select(
        Comment.id,
        Comment.body,
        Comment.created_at,
        Comment.updated_at,
        Comment.author_id,
        User.username,
        User.bio,
        User.image,
    )
    .join(User, User.id == Comment.author_id)
    .where(
        Comment.article_id
        == select(Article.id).where(Article.slug == bindparam("slug")).scalar_subquery()
    )
    .order_by(Comment.created_at, Comment.id)
)


def list_comments(*, slug: str, viewer: User | None) -> list[CommentView]:
    """Return the comments under the article with this slug, oldest first, in one query.

    The caller has checked that ``viewer`` may see the article (``services.get_article``
    or ``queries.article_view``); a signed-in viewer costs one more query (whom they
    follow among the commenters). Rows, not ORM objects: the article page shows them all.
    """
    rows = reads.execute(_COMMENTS_OF, {"slug": slug}).all()
    following = following_ids(viewer=viewer, among={r.author_id for r in rows})
    return [
        CommentView(
            id=r.id,
            body=r.body,
            created_at=r.created_at,
            updated_at=r.updated_at,
            author=ProfileView(r.username, r.bio, r.image, r.author_id in following),
        )
        for r in rows
    ]


COMMENTS_CLOSED = "comments are closed on this site"


def add_comment(*, article: Article, author: User, body: str) -> CommentView:
    """Add ``author``'s comment under ``article`` (refused while the site closes comments)."""
    if not site_settings().comments_enabled:
        raise PermissionDenied(COMMENTS_CLOSED, field="comment")
    ensure_scope(author, Scope.COMMENTS_WRITE)
    if not article.published:
        raise Invalid("a draft can't be commented on", field="article")
    if not body.strip():
        raise Invalid("can't be blank", field="body")
    comment = Comment(article_id=article.id, author=author, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    events.comment_added.send(comment=comment, article=article, actor=author)
    # nobody follows themselves: the author sees their own comment unfollowed
    return CommentView(
        id=comment.id,
        body=comment.body,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        author=ProfileView.of(author, following=False),
    )


def delete_comment(*, article: Article, comment_id: int, actor: User) -> bool:
    """Delete a comment of ``article``: its author's or a moderator's right.

    Return whether it was ``actor``'s own (a moderator may be removing someone else's).
    """
    comment = db.session.get(Comment, comment_id) if is_possible_id(comment_id) else None
    if comment is None or comment.article_id != article.id:
        raise NotFound("comment not found", field="id")
    ensure_can_edit(comment, actor, moderate=Scope.COMMENTS_MODERATE, what="comment")
    own = comment.author_id == actor.id
    author_id = comment.author_id
    if not own:  # a moderator's removal is a back-office action: the audit log keeps it
        record_event(
            Event.COMMENT_REMOVED,
            user=comment.author,
            actor=actor,
            comment_id=str(comment.id),
            slug=article.slug,
            excerpt=" ".join(comment.body.split())[:80],
        )
    db.session.delete(comment)
    db.session.flush()
    events.comment_deleted.send(
        comment_id=comment_id, article=article, author_id=author_id, actor=actor
    )
    return own
