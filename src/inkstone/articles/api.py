"""RealWorld article, favorite, comment and tag endpoints."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from inkstone.articles import comments, queries, scheduling, services, tags
from inkstone.articles.schemas import (
    ArticleIn,
    ArticleListOut,
    ArticleOut,
    ArticleQuery,
    ArticleUpdate,
    CommentIn,
    CommentListOut,
    CommentOut,
    TagsOut,
)
from inkstone.articles.slugs import RESERVED
from inkstone.auth.tokens import current_user, signed_in_user, token_optional, token_required
from inkstone.core.cache import shared
from inkstone.core.pagination import PageRequest
from inkstone.core.schemas import PageQuery
from inkstone.extensions import db

bp = APIBlueprint("articles_api", __name__, tag="Articles")


class ArticleSlug(BaseConverter):
    """An article's slug: never a word a route beside it uses (``/articles/feed``).

    Otherwise ``/articles/<slug>`` matches ``/articles/feed`` too, and ``OPTIONS`` there
    offered ``PUT`` and ``DELETE``.
    """

    regex = "(?!(?:" + "|".join(sorted(RESERVED)) + ")(?![^/]))[^/]+"


@bp.record_once
def _add_slug_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["slug"] = ArticleSlug


def _article_out(view: queries.ArticleView, *, publish_at: Any = ()) -> dict[str, Any]:
    """Wrap one article; a draft also says ``"published": false`` (see ``ArticleFieldsOut``).

    A hidden article (seen by its author only) also says why: ``"hiddenReason"``, and a
    scheduled draft when it goes out: ``"publishAt"`` (read here unless the caller has it).
    """
    if view.published:
        return {"article": view}
    fields = {**view._asdict(), "draft_published": False}
    if view.hidden_reason is not None:
        fields["draft_hidden_reason"] = view.hidden_reason
    if publish_at == ():
        publish_at = scheduling.publish_at_of(slug=view.slug)
    if publish_at is not None:
        fields["draft_publish_at"] = publish_at
    return {"article": fields}


def _list_out(page: queries.ArticlePage) -> dict[str, Any]:
    return {"articles": page.articles, "articles_count": page.total}


@bp.get("/articles")
@shared("api")
@token_optional
@bp.input(ArticleQuery, location="query", arg_name="query")
@bp.output(ArticleListOut)
@bp.doc(operation_id="GetArticles")
def list_articles(query: dict[str, Any]) -> dict[str, Any]:
    """Get recent articles globally

    Newest first. Filter by `tag`, `author` or `favorited` (a username); page with `limit`
    and `offset`. Items leave out `body`.
    """
    page = queries.list_articles(
        viewer=current_user(),
        page=PageRequest.from_query(query),
        tag=query.get("tag"),
        author=query.get("author"),
        favorited=query.get("favorited"),
    )
    return _list_out(page)


@bp.get("/articles/feed")
@token_required
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(ArticleListOut)
@bp.doc(operation_id="GetArticlesFeed")
def feed(query: dict[str, Any]) -> dict[str, Any]:
    """Get recent articles from users you follow"""
    return _list_out(queries.feed(viewer=signed_in_user(), page=PageRequest.from_query(query)))


@bp.post("/articles")
@token_required
@bp.input(ArticleIn, arg_name="body")
@bp.output(ArticleOut, status_code=201)
@bp.doc(responses=[403, 413], operation_id="CreateArticle")
def create_article(body: dict[str, Any]) -> dict[str, Any]:
    """Create an article

    With `publishAt` (and no `"published": true`) the article is a draft scheduled for then.
    """
    fields = body["article"]
    if fields.get("publish_at") is not None:
        fields.setdefault("published", False)
    article = services.create_article(author=signed_in_user(), **fields)
    db.session.commit()
    view = queries.present_one(article, viewer=signed_in_user())
    return _article_out(view, publish_at=article.publish_at)


@bp.get("/articles/<slug:slug>")
@shared("api")
@token_optional
@bp.output(ArticleOut)
@bp.doc(responses=[404], operation_id="GetArticle")
def get_article(slug: str) -> dict[str, Any]:
    """Get an article"""
    return _article_out(queries.article_view(slug=slug, viewer=current_user()))


@bp.put("/articles/<slug:slug>")
@token_required
@bp.input(ArticleUpdate, arg_name="body")
@bp.output(ArticleOut)
@bp.doc(responses=[403, 404, 413], operation_id="UpdateArticle")
def update_article(slug: str, body: dict[str, Any]) -> dict[str, Any]:
    """Update an article

    Send only the fields to change. A new title gives the article a new slug. An article a
    moderator hid cannot be published again (nor scheduled) by its author (403). `publishAt`
    schedules a draft, `null` cancels; publishing it clears the schedule.
    """
    article = services.get_article(slug=slug, viewer=signed_in_user())
    services.update_article(article=article, actor=signed_in_user(), changes=body["article"])
    db.session.commit()
    view = queries.present_one(article, viewer=signed_in_user())
    return _article_out(view, publish_at=article.publish_at)


@bp.delete("/articles/<slug:slug>")
@token_required
@bp.output({}, status_code=204)
@bp.doc(responses=[403, 404], operation_id="DeleteArticle")
def delete_article(slug: str) -> tuple[str, int]:
    """Delete an article"""
    services.delete_article(
        article=services.get_article(slug=slug, viewer=signed_in_user()), actor=signed_in_user()
    )
    db.session.commit()
    return "", 204


@bp.post("/articles/<slug:slug>/favorite")
@token_required
@bp.output(ArticleOut)
@bp.doc(tags=["Favorites"], responses=[404, 413, 422], operation_id="CreateArticleFavorite")
def favorite(slug: str) -> dict[str, Any]:
    """Favorite an article

    A draft answers 404 to anyone but its author, and 422 to its author: drafts are not
    favorited (nor unfavorited).
    """
    article = services.get_article(slug=slug, viewer=signed_in_user())
    services.favorite(article=article, user=signed_in_user())
    # Shown as flushed, before the commit expires what the session holds (reloading the
    # article, its author and the viewer would cost three more queries).
    view = queries.present_one(article, viewer=signed_in_user(), favorited=True)
    db.session.commit()
    return _article_out(view)


@bp.delete("/articles/<slug:slug>/favorite")
@token_required
@bp.output(ArticleOut)
@bp.doc(tags=["Favorites"], responses=[404, 422], operation_id="DeleteArticleFavorite")
def unfavorite(slug: str) -> dict[str, Any]:
    """Unfavorite an article

    A draft answers as for favoriting: 404 to anyone but its author, 422 to its author.
    """
    article = services.get_article(slug=slug, viewer=signed_in_user())
    services.unfavorite(article=article, user=signed_in_user())
    view = queries.present_one(article, viewer=signed_in_user(), favorited=False)
    db.session.commit()
    return _article_out(view)


@bp.get("/articles/<slug:slug>/comments")
@shared("api")
@token_optional
@bp.output(CommentListOut)
@bp.doc(tags=["Comments"], responses=[404], operation_id="GetArticleComments")
def list_comments(slug: str) -> dict[str, Any]:
    """Get comments for an article"""
    viewer = current_user()
    article = services.get_article(slug=slug, viewer=viewer)
    return {"comments": comments.list_comments(slug=article.slug, viewer=viewer)}


@bp.post("/articles/<slug:slug>/comments")
@token_required
@bp.input(CommentIn, arg_name="body")
@bp.output(CommentOut)
@bp.doc(tags=["Comments"], responses=[403, 404, 413], operation_id="CreateArticleComment")
def add_comment(slug: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create a comment for an article

    While the site has comments closed (a site setting), this answers 403.
    """
    article = services.get_article(slug=slug, viewer=signed_in_user())
    comment = comments.add_comment(
        article=article, author=signed_in_user(), body=body["comment"]["body"]
    )
    db.session.commit()
    return {"comment": comment}


@bp.delete("/articles/<slug:slug>/comments/<int:comment_id>")
@token_required
@bp.output({}, status_code=204)
@bp.doc(tags=["Comments"], responses=[403, 404], operation_id="DeleteArticleComment")
def delete_comment(slug: str, comment_id: int) -> tuple[str, int]:
    """Delete a comment for an article"""
    article = services.get_article(slug=slug, viewer=signed_in_user())
    comments.delete_comment(article=article, comment_id=comment_id, actor=signed_in_user())
    db.session.commit()
    return "", 204


@bp.get("/tags")
@shared("api")
@bp.output(TagsOut)
@bp.doc(tags=["Tags"], operation_id="GetTags")
def list_tags() -> dict[str, Any]:
    """Get tags

    The tags in use, most used first (at most 100).
    """
    return {"tags": tags.popular_tags()}
