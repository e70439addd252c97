"""Comment services: list, add, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from inkstone.articles.models import Article, Comment
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_can_edit, ensure_scope
from inkstone.core.errors import Invalid, NotFound
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


def _views(comments: list[Comment], viewer: User | None) -> list[CommentView]:
    following = following_ids(viewer=viewer, among={c.author_id for c in comments})
    return [
        CommentView(
            id=c.id,
            body=c.body,
            created_at=c.created_at,
            updated_at=c.updated_at,
            author=ProfileView.of(c.author, following=c.author_id in following),
        )
        for c in comments
    ]


def list_comments(*, article: Article, viewer: User | None) -> list[CommentView]:
    """Return the article's comments, oldest first."""
    query = (
        select(Comment)
        .where(Comment.article_id == article.id)
        .order_by(Comment.created_at, Comment.id)
    )
    return _views(list(db.session.scalars(query)), viewer)


def add_comment(*, article: Article, author: User, body: str) -> CommentView:
    """Add ``author``'s comment under ``article``."""
    ensure_scope(author, Scope.COMMENTS_WRITE)
    if not article.published:
        raise Invalid("a draft can't be commented on", field="article")
    if not body.strip():
        raise Invalid("can't be blank", field="body")
    comment = Comment(article_id=article.id, author=author, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return _views([comment], author)[0]


def delete_comment(*, article: Article, comment_id: int, actor: User) -> None:
    """Delete a comment of ``article``: its author's or a moderator's right."""
    comment = db.session.get(Comment, comment_id) if 0 < comment_id < 2**63 else None
    if comment is None or comment.article_id != article.id:
        raise NotFound("comment not found", field="id")
    ensure_can_edit(comment, actor, moderate=Scope.COMMENTS_MODERATE, what="comment")
    db.session.delete(comment)
    db.session.flush()
