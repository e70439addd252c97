"""What an account leaves in articles when it is deleted: favorites, and maybe its writing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inkstone.articles.comments import delete_comment
from inkstone.articles.models import Article, Comment, Favorite
from inkstone.articles.services import delete_article, unfavorite
from inkstone.auth.models import User
from inkstone.core import events
from inkstone.extensions import db


def remove_account_content(*, user: User, remove_content: bool, **_: Any) -> None:
    """Drop ``user``'s favorites and, with ``remove_content``, their comments and articles.

    Through the services, so the tag, favorite and site counters stay right.
    """
    if remove_content:
        _remove_comments(user)
        _remove_articles(user)
    favorited = select(Favorite.article_id).where(Favorite.user_id == user.id)
    for article in list(db.session.scalars(select(Article).where(Article.id.in_(favorited)))):
        unfavorite(article=article, user=user)


def _remove_comments(user: User) -> None:
    comments = list(db.session.scalars(select(Comment).where(Comment.author_id == user.id)))
    article_ids = {comment.article_id for comment in comments}
    articles = {
        article.id: article
        for article in db.session.scalars(select(Article).where(Article.id.in_(article_ids)))
    }
    for comment in comments:
        delete_comment(article=articles[comment.article_id], comment_id=comment.id, actor=user)


def _remove_articles(user: User) -> None:
    for article in list(db.session.scalars(select(Article).where(Article.author_id == user.id))):
        delete_article(article=article, actor=user)


def connect_cleanup() -> None:
    """Have account deletion call ``remove_account_content``."""
    events.user_deleting.connect(remove_account_content, when=events.IN_TRANSACTION)
