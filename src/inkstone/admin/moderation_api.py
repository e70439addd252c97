"""Moderation API: hide, restore, pin and unpin articles; delete comments and guestbook messages.

The same services as the moderation pages (``articles.moderation``, ``guestbook.services``),
so the same scopes, refusals and audit events.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, Regexp

from inkstone.articles import moderation
from inkstone.articles.models import HIDDEN_REASON_MAX, Article
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.schemas import InputSchema, OutputSchema
from inkstone.extensions import db
from inkstone.guestbook import services as guestbook_services

bp = APIBlueprint("moderation_api", __name__, tag="Moderation")
F = TypeVar("F", bound=Callable[..., Any])

BULK_MAX = 100
INT64_MAX = 2**63 - 1
_ID = String(validate=Regexp(r"^[1-9][0-9]{0,18}$", error="must be an id (a positive integer)"))


class HideIn(InputSchema):
    reason = String(
        required=True,
        validate=Length(1, HIDDEN_REASON_MAX),
        metadata={"description": "Why: shown to the article's author."},
    )


class IdsIn(InputSchema):
    ids = List(
        _ID,
        required=True,
        validate=Length(1, BULK_MAX),
        metadata={"description": f"The ids to delete (strings, at most {BULK_MAX})."},
    )


class ModeratedArticleFields(Schema):
    slug = String(required=True)
    title = String(required=True)
    published = Boolean(required=True)
    hidden = Boolean(required=True)
    hidden_reason = String(required=True, data_key="hiddenReason")
    pinned = Boolean(required=True)


class ModeratedArticleOut(OutputSchema):
    article = Nested(ModeratedArticleFields, required=True)


class DeletedOut(OutputSchema):
    deleted = Integer(required=True, metadata={"description": "How many were deleted."})


def _article_out(article: Article) -> dict[str, Any]:
    return {
        "article": {
            "slug": article.slug,
            "title": article.title,
            "published": article.published,
            "hidden": article.hidden_at is not None,
            "hidden_reason": article.hidden_reason,
            "pinned": article.pinned_at is not None,
        }
    }


def _article_found(view: F) -> F:
    """Answer 404 for an unknown article (or a draft) before reading the body."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        moderation.moderated_article(slug=kwargs["slug"])
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _ids(body: dict[str, Any]) -> list[int]:
    return [number for number in (int(text) for text in body["ids"]) if number <= INT64_MAX]


@bp.post("/admin/articles/<slug>/hide")
@token_required
@require_scope(Scope.ARTICLES_MODERATE)
@_article_found
@bp.input(HideIn, arg_name="body")
@bp.output(ModeratedArticleOut)
@bp.doc(responses=[403, 404, 409, 413], operation_id="HideArticle")
def hide_article(slug: str, body: dict[str, Any]) -> dict[str, Any]:
    """Hide an article

    Needs `articles:moderate`. The article leaves every list, feed and count; its author
    still sees it, with `reason`, and cannot publish it again until it is restored. Hidden
    already: 409.
    """
    article = moderation.moderated_article(slug=slug)
    moderation.hide_article(article=article, actor=signed_in_user(), reason=body["reason"])
    db.session.commit()
    return _article_out(article)


def _act(slug: str, action: Callable[..., Article]) -> dict[str, Any]:
    article = moderation.moderated_article(slug=slug)
    action(article=article, actor=signed_in_user())
    db.session.commit()
    return _article_out(article)


@bp.post("/admin/articles/<slug>/restore")
@token_required
@require_scope(Scope.ARTICLES_MODERATE)
@bp.output(ModeratedArticleOut)
@bp.doc(responses=[403, 404, 409], operation_id="RestoreArticle")
def restore_article(slug: str) -> dict[str, Any]:
    """Restore a hidden article

    Needs `articles:moderate`. Published again under its original date. Not hidden: 409.
    """
    return _act(slug, moderation.restore_article)


@bp.post("/admin/articles/<slug>/pin")
@token_required
@require_scope(Scope.ARTICLES_MODERATE)
@bp.output(ModeratedArticleOut)
@bp.doc(responses=[403, 404, 422], operation_id="PinArticle")
def pin_article(slug: str) -> dict[str, Any]:
    """Pin an article to the home page

    Needs `articles:moderate`. Only a published article can be pinned (422 otherwise).
    """
    return _act(slug, moderation.pin_article)


@bp.post("/admin/articles/<slug>/unpin")
@token_required
@require_scope(Scope.ARTICLES_MODERATE)
@bp.output(ModeratedArticleOut)
@bp.doc(responses=[403, 404], operation_id="UnpinArticle")
def unpin_article(slug: str) -> dict[str, Any]:
    """Unpin an article

    Needs `articles:moderate`.
    """
    return _act(slug, moderation.unpin_article)


@bp.post("/admin/comments/delete")
@token_required
@require_scope(Scope.COMMENTS_MODERATE)
@bp.input(IdsIn, arg_name="body")
@bp.output(DeletedOut)
@bp.doc(responses=[403, 413], operation_id="DeleteComments")
def delete_comments(body: dict[str, Any]) -> dict[str, Any]:
    """Delete comments

    Needs `comments:moderate`. Unknown ids are skipped; each deletion is audited.
    """
    deleted = moderation.remove_comments(ids=_ids(body), actor=signed_in_user())
    db.session.commit()
    return {"deleted": deleted}


@bp.post("/admin/guestbook/delete")
@token_required
@require_scope(Scope.GUESTBOOK_MODERATE)
@bp.input(IdsIn, arg_name="body")
@bp.output(DeletedOut)
@bp.doc(responses=[403, 413], operation_id="DeleteGuestbookMessages")
def delete_guestbook_messages(body: dict[str, Any]) -> dict[str, Any]:
    """Delete guestbook messages

    Needs `guestbook:moderate`. Unknown ids are skipped; each deletion is audited.
    """
    deleted = guestbook_services.remove_messages(ids=_ids(body), actor=signed_in_user())
    db.session.commit()
    return {"deleted": deleted}
