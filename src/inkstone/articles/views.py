"""Web pages of articles: home, tag, article, editor, profiles, and the buttons on them.

Pages read through ``articles.queries`` (plain rows, a fixed number of queries whatever the
length of a list); buttons are small POST forms (CSRF) that call the services, commit once
and redirect back with a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from inkstone.articles import comments, fragments, markdown, moderation, queries, services, tags
from inkstone.articles.forms import ArticleForm, CommentForm
from inkstone.articles.models import BODY_MAX, TAG_MAX, TAGS_PER_ARTICLE, Article
from inkstone.auth import services as auth_services
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, can_edit, ensure_scope, has_scope
from inkstone.auth.signin import web_user
from inkstone.core.cache import shared
from inkstone.core.errors import Invalid
from inkstone.core.pagination import PageRequest
from inkstone.core.site import site_settings
from inkstone.extensions import db, limiter
from inkstone.profiles import services as profile_services
from inkstone.web.paging import requested_page
from inkstone.web.redirects import safe_next

bp = Blueprint("articles", __name__, template_folder="templates")
for helper in (fragments.article_previews, fragments.remembered, fragments.tag_url):
    bp.add_app_template_global(helper)

PER_PAGE = 20
POPULAR_TAGS = 20
PREVIEW_LIMIT = "240/minute"

Fetch = Callable[[PageRequest], queries.ArticlePage]


# --------------------------------------------------------------------------- helpers


def _list_page(fetch: Fetch, template: str, params: dict[str, str], **context: Any) -> str:
    """Render ``template`` over the page of articles ``fetch`` returns for ``?page=``.

    ``params`` build the list's links (with ``request.endpoint``); ``here``, where the
    buttons on the page lead back to, is this page's canonical address (no stray query).
    """
    number, window = requested_page(PER_PAGE)
    found = fetch(window)
    if number > 1 and not found.articles:
        abort(404)  # past the last page
    values: dict[str, Any] = {**params, "page": number} if number > 1 else dict(params)
    here = url_for(request.endpoint or "", **values)
    return render_template(
        template, found=found, page=number, per_page=PER_PAGE, here=here, params=params, **context
    )


def _back(default: str) -> str:
    """Return where a button's form says to go back to (a path on this site)."""
    return safe_next(request.form.get("next"), default=default)


def _actor(back: str) -> User:
    """Return the signed-in user, or send the visitor to sign in and then ``back``."""
    user = web_user()
    if user is None:
        flash(_("Please sign in first."), "info")
        abort(redirect(url_for("auth.login", next=back)))
    return user


def _article_url(slug: str) -> str:
    return url_for("articles.article", slug=slug)


# --------------------------------------------------------------------------- lists


@bp.get("/")
@shared("page")
def home() -> ResponseReturnValue:
    """Show the newest articles (or, with ``?feed=mine``, those of followed authors)."""
    viewer = web_user()
    mine = request.args.get("feed") == "mine"
    if mine and viewer is None:
        return redirect(url_for("auth.login", next=url_for("articles.home", feed="mine")))
    if mine and viewer is not None:
        fetch: Fetch = lambda page: queries.feed(viewer=viewer, page=page)  # noqa: E731
    else:
        fetch = lambda page: moderation.home_articles(viewer=viewer, page=page)  # noqa: E731
    return _list_page(
        fetch,
        "articles/home.html",
        feed="mine" if mine else "global",
        tag=None,
        params={"feed": "mine"} if mine else {},
        popular_tags=tags.popular_tags(limit=POPULAR_TAGS),
    )


@bp.get("/tag/<path:tag>")
@shared("page")
def tag(tag: str) -> ResponseReturnValue:
    """Show the newest articles with a tag."""
    viewer = web_user()
    return _list_page(
        lambda page: queries.list_articles(viewer=viewer, page=page, tag=tag),
        "articles/home.html",
        feed="tag",
        tag=tag,
        params={"tag": tag},
        popular_tags=tags.popular_tags(limit=POPULAR_TAGS),
    )


@bp.get("/profile/<username>", defaults={"tab": "articles"}, endpoint="profile")
@bp.get("/profile/<username>/favorites", defaults={"tab": "favorites"}, endpoint="favorites")
@bp.get("/profile/<username>/drafts", defaults={"tab": "drafts"}, endpoint="drafts")
@shared("page")
def profile(username: str, tab: str) -> ResponseReturnValue:
    """Show a profile over its author's articles, favorites or (their own) drafts."""
    user = auth_services.get_user_by_username(username=username)
    viewer = web_user()
    own = viewer is not None and viewer.id == user.id
    fetch: Fetch
    if tab == "drafts":
        if not own:
            abort(404)  # drafts are their author's alone: to others the tab does not exist
        fetch = lambda page: queries.drafts(author=user, page=page)  # noqa: E731
    elif tab == "favorites":
        fetch = lambda page: queries.list_articles(  # noqa: E731
            viewer=viewer, page=page, favorited=user.username
        )
    else:
        fetch = lambda page: queries.list_articles(  # noqa: E731
            viewer=viewer, page=page, author=user.username
        )
    return _list_page(
        fetch,
        "articles/profile.html",
        profile=profile_services.profile_of(user=user, viewer=viewer),
        own=own,
        tab=tab,
        params={"username": user.username},
    )


# --------------------------------------------------------------------------- one article


@bp.get("/article/<slug>")
@shared("page")
def article(slug: str) -> ResponseReturnValue:
    """Show an article with its comments."""
    viewer = web_user()
    view = queries.article_view(slug=slug, viewer=viewer)
    return render_template(
        "articles/article.html",
        article=view,
        comments=comments.list_comments(slug=slug, viewer=viewer),
        is_author=viewer is not None and viewer.username == view.author.username,
        can_moderate_comments=has_scope(viewer, Scope.COMMENTS_MODERATE),
        here=request.path,
    )


@bp.post("/article/<slug>/favorite", defaults={"on": True}, endpoint="favorite")
@bp.post("/article/<slug>/unfavorite", defaults={"on": False}, endpoint="unfavorite")
def favorite(slug: str, on: bool) -> ResponseReturnValue:
    """Add the article to (or take it out of) the signed-in user's favorites."""
    back = _back(_article_url(slug))
    user = _actor(back)
    found = services.get_article(slug=slug, viewer=user)
    try:
        if on:
            services.favorite(article=found, user=user)
        else:
            services.unfavorite(article=found, user=user)
    except Invalid:
        flash(_("A draft can't be favorited."), "error")
        return redirect(back)
    db.session.commit()
    if on:
        flash(_("Added “%(title)s” to your favorites.", title=found.title), "success")
    else:
        flash(_("Removed “%(title)s” from your favorites.", title=found.title), "success")
    return redirect(back)


@bp.post("/profile/<username>/follow", defaults={"on": True}, endpoint="follow")
@bp.post("/profile/<username>/unfollow", defaults={"on": False}, endpoint="unfollow")
def follow(username: str, on: bool) -> ResponseReturnValue:
    """Follow (or stop following) an author."""
    back = _back(url_for("articles.profile", username=username))
    user = _actor(back)
    followee = auth_services.get_user_by_username(username=username)
    try:
        if on:
            profile_services.follow(follower=user, followee=followee)
        else:
            profile_services.unfollow(follower=user, followee=followee)
    except Invalid:
        flash(_("You can't follow yourself."), "error")
        return redirect(back)
    db.session.commit()
    if on:
        flash(_("You follow %(name)s now.", name=followee.username), "success")
    else:
        flash(_("You no longer follow %(name)s.", name=followee.username), "success")
    return redirect(back)


@bp.post("/article/<slug>/comments")
def add_comment(slug: str) -> ResponseReturnValue:
    """Post a comment under the article."""
    back = _back(_article_url(slug))
    user = _actor(back)
    found = services.get_article(slug=slug, viewer=user)
    form = CommentForm()
    if not site_settings().comments_enabled:
        return _refused(_("Comments are closed on this site."))
    if not form.validate():
        for error in form.body.errors:
            flash(str(error), "error")
        return redirect(f"{back}#comment-form")
    try:
        added = comments.add_comment(article=found, author=user, body=form.body.data or "")
    except Invalid:
        flash(_("Comments open when the article is published."), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Your comment is posted."), "success")
    return redirect(f"{back}#comment-{added.id}")


@bp.post("/article/<slug>/comments/<int:comment_id>/delete")
def delete_comment(slug: str, comment_id: int) -> ResponseReturnValue:
    """Delete a comment: one of yours, or anyone's for a moderator."""
    back = _back(_article_url(slug))
    user = _actor(back)
    found = services.get_article(slug=slug, viewer=user)
    own = comments.delete_comment(article=found, comment_id=comment_id, actor=user)
    db.session.commit()
    flash(_("Your comment is deleted.") if own else _("The comment is deleted."), "success")
    return redirect(f"{back}#comments")


@bp.post("/article/<slug>/delete")
def delete(slug: str) -> ResponseReturnValue:
    """Delete an article (its author's right)."""
    user = _actor(_article_url(slug))
    found = services.get_article(slug=slug, viewer=user)
    title = found.title
    services.delete_article(article=found, actor=user)
    db.session.commit()
    flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("articles.profile", username=user.username))


@bp.post("/article/<slug>/publish")
def publish(slug: str) -> ResponseReturnValue:
    """Publish a draft."""
    user = _actor(_article_url(slug))
    found = services.get_article(slug=slug, viewer=user)
    if found.hidden_at is not None:  # the service would refuse: say why
        return _refused(_("A moderator hid this article. Only a moderator can publish it again."))
    if not found.published:
        services.update_article(article=found, actor=user, changes={"published": True})
        db.session.commit()
        flash(_("Your article is published."), "success")
    return redirect(_article_url(found.slug))


def _refused(message: str) -> ResponseReturnValue:
    """Answer 403 with a page saying why (the generic 403 page does not say)."""
    page = render_template("web/error.html", code=403, title=_("Not allowed"), message=message)
    return page, 403


# --------------------------------------------------------------------------- the editor


@bp.route("/editor", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/editor/<slug>", methods=["GET", "POST"])
@login_required
def editor(slug: str | None) -> ResponseReturnValue:
    """Write a new article or edit one of yours; save it as a draft or publish it."""
    user = web_user()
    assert user is not None  # login_required
    existing = _editable(slug, user)
    form = _editor_form(existing)
    preview_html: str | None = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "preview":
            preview_html = markdown.render((form.body.data or "")[:BODY_MAX])
        elif action == "publish" and existing is not None and existing.hidden_at is not None:
            status = 403  # the service would refuse (a hidden article): the page says why
        elif form.validate():
            saved = _save(form, existing, action, user)
            db.session.commit()
            return redirect(_article_url(saved.slug))
        else:
            status = 422
    page = render_template(
        "articles/editor.html",
        form=form,
        article=existing,
        preview_html=preview_html,
        refused=status == 403,
        tags_max=TAGS_PER_ARTICLE,
        tag_max=TAG_MAX,
    )
    return page, status


def _editable(slug: str | None, user: User) -> Article | None:
    """Return the article the editor opens (``None`` for a new one), or abort with 403."""
    if slug is None:  # a 403 page that says why (an unconfirmed address, when one is required)
        ensure_scope(user, Scope.ARTICLES_WRITE)
        return None
    existing = services.get_article(slug=slug, viewer=user)
    if not can_edit(existing, user, moderate=Scope.ARTICLES_MODERATE):
        abort(403)
    return existing


def _editor_form(existing: Article | None) -> ArticleForm:
    """Return the editor's form: the article's fields on first opening, else what was posted."""
    if request.method == "GET" and existing is not None:
        return ArticleForm(
            data={
                "title": existing.title,
                "description": existing.description,
                "body": existing.body,
                "tags": ", ".join(orjson.loads(existing.tag_names)),
            }
        )
    return ArticleForm()


def _save(form: ArticleForm, existing: Article | None, action: str, user: User) -> Article:
    """Create or change the article from a valid editor form; flash what happened.

    Only the "Publish" button publishes a new article or a draft (anything else keeps it a
    draft, so nothing goes out by accident); a published article stays published ("Update").
    """
    title, description = form.title.data or "", form.description.data or ""
    body, tag_list = form.body.data or "", form.tag_list()
    if existing is None:
        publish = action == "publish"
        saved = services.create_article(
            author=user,
            title=title,
            description=description,
            body=body,
            tag_list=tag_list,
            published=publish,
        )
        message = _("Your article is published.") if publish else None
    else:
        was_published = existing.published
        publish = was_published or action == "publish"
        changes = {"title": title, "description": description, "body": body}
        saved = services.update_article(
            article=existing,
            actor=user,
            changes={**changes, "tag_list": tag_list, "published": publish},
        )
        if was_published:
            message = _("Your article is updated.")
        else:
            message = _("Your article is published.") if publish else None
    flash(message or _("Your draft is saved. Only you can see it."), "success")
    return saved


@bp.post("/editor/preview")
@limiter.limit(PREVIEW_LIMIT)
def preview() -> ResponseReturnValue:
    """Return the sanitised HTML of a Markdown ``body`` (the editor's live preview)."""
    if web_user() is None:
        abort(401)
    body = request.form.get("body", "")
    if len(body) > BODY_MAX:
        abort(413)
    return Response(markdown.render(body), mimetype="text/html")
