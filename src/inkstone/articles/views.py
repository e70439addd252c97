"""Web pages of articles: home, tag, article, editor, profiles, and the buttons on them.

Pages read through ``articles.queries`` (plain rows, a fixed number of queries whatever the
length of a list); buttons are small POST forms (CSRF) that call the services, commit once
and redirect back with a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from inkstone.articles import (
    comments,
    fragments,
    mentions,
    moderation,
    queries,
    scheduling,
    services,
    tags,
)
from inkstone.articles.forms import CommentForm
from inkstone.auth import services as auth_services
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, has_scope
from inkstone.auth.signin import web_user
from inkstone.core.cache import shared
from inkstone.core.errors import Conflict, Invalid, PermissionDenied
from inkstone.core.pagination import PageRequest
from inkstone.core.site import site_settings
from inkstone.extensions import db
from inkstone.profiles import services as profile_services
from inkstone.web.paging import requested_page
from inkstone.web.redirects import safe_next

bp = Blueprint("articles", __name__, template_folder="templates")
for helper in (fragments.article_previews, fragments.remembered, fragments.tag_url):
    bp.add_app_template_global(helper)
bp.add_app_template_global(mentions.render_comment, "comment_html")
bp.add_app_template_global(mentions.linked_names, "mention_links")

PER_PAGE = 20
POPULAR_TAGS = 20

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
    scheduled: dict[str, Any] = {}  # the drafts' scheduled times, filled as the page is read
    if tab == "drafts":
        if not own:
            abort(404)  # drafts are their author's alone: to others the tab does not exist

        def fetch(page: PageRequest) -> queries.ArticlePage:
            found = queries.drafts(author=user, page=page)
            slugs = [article.slug for article in found.articles]
            scheduled.update(scheduling.scheduled_among(slugs=slugs))
            return found

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
        scheduled=scheduled,
        params={"username": user.username},
    )


# --------------------------------------------------------------------------- one article


@bp.get("/article/<slug>")
@shared("page")
def article(slug: str) -> ResponseReturnValue:
    """Show an article with its comments."""
    viewer = web_user()
    view = queries.article_view(slug=slug, viewer=viewer)
    found = comments.list_comments(slug=slug, viewer=viewer)
    return render_template(
        "articles/article.html",
        article=view,
        comments=found,
        # one query for every @name on the page, none when nobody is mentioned
        known_mentions=mentions.known_accounts(c.body for c in found),
        # drafts are their author's alone: only they ever cost this query
        publish_at=None if view.published else scheduling.publish_at_of(slug=view.slug),
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
    except PermissionDenied:
        flash(
            _("%(name)s has blocked you: you can't follow them.", name=followee.username), "error"
        )
        return redirect(back)
    except Conflict:
        flash(
            _("You have blocked %(name)s: unblock them to follow them.", name=followee.username),
            "error",
        )
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
        return refused(_("Comments are closed on this site."))
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
        return refused(_("A moderator hid this article. Only a moderator can publish it again."))
    if not found.published:
        services.update_article(article=found, actor=user, changes={"published": True})
        db.session.commit()
        flash(_("Your article is published."), "success")
    return redirect(_article_url(found.slug))


def refused(message: str) -> ResponseReturnValue:
    """Answer 403 with a page saying why (the generic 403 page does not say)."""
    page = render_template("web/error.html", code=403, title=_("Not allowed"), message=message)
    return page, 403
