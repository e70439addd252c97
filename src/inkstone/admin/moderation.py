"""Back office section: moderation of articles, comments and guestbook messages.

Articles (published and hidden; drafts never): search, hide with a reason the author sees,
restore, pin to the home page, delete after a confirmation page. Comments and guestbook
messages: search and delete a selection, confirmed on a page of its own (no script needed).
Every action goes through the services, which check the scope and write the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from inkstone.admin import moderation_api
from inkstone.articles import moderation as articles_moderation
from inkstone.articles.models import HIDDEN_REASON_MAX
from inkstone.auth.access import require_scope
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import web_user
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Conflict, Invalid
from inkstone.core.features import NavItem
from inkstone.extensions import db
from inkstone.guestbook import services as guestbook_services
from inkstone.web.paging import requested_page

bp = Blueprint("admin_moderation", __name__, url_prefix="/admin", template_folder="templates")
api = (moderation_api.bp,)

nav = (
    NavItem(
        "admin_moderation.articles",
        _l("Moderation"),
        20,
        icon="bi-shield-check",
        scope="articles:moderate",
        menu="admin",
    ),
)

PER_PAGE = 25
SEARCH_MAX = articles_moderation.SEARCH_MAX
BULK_MAX = 500  # ids in one bulk action (a page holds PER_PAGE)
STATUS_LABELS = {
    "published": _l("Published"),
    "hidden": _l("Hidden"),
    "pinned": _l("Pinned"),
}


def _moderator() -> User:
    user = web_user()
    assert user is not None  # require_scope
    return user


def _search_args(*names: str) -> dict[str, str]:
    """Return the page's non-empty search fields; too long a value answers 400."""
    found = {}
    for name in names:
        value = request.args.get(name, "").strip()
        if len(value) > SEARCH_MAX or "\x00" in value:
            abort(400)
        if value:
            found[name] = value
    return found


# --------------------------------------------------------------------------- articles


@bp.get("/moderation/articles")
@require_scope(Scope.ARTICLES_MODERATE)
def articles() -> ResponseReturnValue:
    """List published and hidden articles: search, filter, act on each."""
    params = _search_args("q", "author", "status")
    status = params.get("status")
    if status is not None and status not in STATUS_LABELS:
        abort(400)
    number, window = requested_page(PER_PAGE)
    found, total = articles_moderation.list_moderated_articles(
        page=window, q=params.get("q"), author=params.get("author"), status=status
    )
    if number > 1 and not found:
        abort(404)
    return render_template(
        "admin/moderation/articles.html",
        section="admin_moderation.articles",
        articles=found,
        total=total,
        page=number,
        per_page=PER_PAGE,
        params=params,
        status_labels=STATUS_LABELS,
        here=request.full_path.rstrip("?"),
    )


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/admin/moderation/") and "//" not in target and "\\" not in target:
        return target
    return url_for("admin_moderation.articles")


@bp.route("/moderation/articles/<slug>/hide", methods=["GET", "POST"])
@require_scope(Scope.ARTICLES_MODERATE)
def hide(slug: str) -> ResponseReturnValue:
    """Ask why (GET), then hide the article from everyone but its author (POST)."""
    article = articles_moderation.moderated_article(slug=slug)
    error, reason, status = None, "", 200
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            articles_moderation.hide_article(article=article, actor=_moderator(), reason=reason)
        except Conflict:
            db.session.rollback()
            flash(_("That article is hidden already."), "info")
            return redirect(_back())
        except Invalid as refused:
            db.session.rollback()
            if "blank" in refused.message:
                error = _("Please give a reason: the author is shown it.")
            else:
                error = _(
                    "The reason is too long (at most %(max)d characters).", max=HIDDEN_REASON_MAX
                )
            status = 422
        else:
            title = article.title
            db.session.commit()
            flash(_("“%(title)s” is hidden. Its author sees your reason.", title=title), "success")
            return redirect(_back())
    page = render_template(
        "admin/moderation/hide.html",
        section="admin_moderation.articles",
        article=article,
        reason=reason,
        error=error,
        reason_max=HIDDEN_REASON_MAX,
        next=_back() if request.method == "POST" else request.args.get("next", ""),
    )
    return page, status


def _simple_action(slug: str, action: str) -> ResponseReturnValue:
    article = articles_moderation.moderated_article(slug=slug)
    actor = _moderator()
    title = article.title
    try:
        if action == "restore":
            articles_moderation.restore_article(article=article, actor=actor)
            message = _("“%(title)s” is published again.", title=title)
        elif action == "pin":
            articles_moderation.pin_article(article=article, actor=actor)
            message = _("“%(title)s” is pinned to the home page.", title=title)
        else:
            articles_moderation.unpin_article(article=article, actor=actor)
            message = _("“%(title)s” is no longer pinned.", title=title)
    except (Conflict, Invalid):
        db.session.rollback()
        flash(_("Nothing to do: the article changed in the meantime."), "info")
        return redirect(_back())
    db.session.commit()
    flash(message, "success")
    return redirect(_back())


@bp.post("/moderation/articles/<slug>/restore")
@require_scope(Scope.ARTICLES_MODERATE)
def restore(slug: str) -> ResponseReturnValue:
    """Publish a hidden article again, under its original date."""
    return _simple_action(slug, "restore")


@bp.post("/moderation/articles/<slug>/pin")
@require_scope(Scope.ARTICLES_MODERATE)
def pin(slug: str) -> ResponseReturnValue:
    """Pin an article to the top of the home page."""
    return _simple_action(slug, "pin")


@bp.post("/moderation/articles/<slug>/unpin")
@require_scope(Scope.ARTICLES_MODERATE)
def unpin(slug: str) -> ResponseReturnValue:
    """Take an article off the top of the home page."""
    return _simple_action(slug, "unpin")


@bp.route("/moderation/articles/<slug>/delete", methods=["GET", "POST"])
@require_scope(Scope.ARTICLES_MODERATE)
def delete(slug: str) -> ResponseReturnValue:
    """Ask to confirm (GET), then delete the article with its comments (POST)."""
    article = articles_moderation.moderated_article(slug=slug)
    if request.method == "POST":
        title = article.title
        articles_moderation.remove_article(
            article=article, actor=_moderator(), reason=request.form.get("reason", "")
        )
        db.session.commit()
        flash(_("“%(title)s” is deleted.", title=title), "success")
        return redirect(_back())
    return render_template(
        "admin/moderation/delete.html",
        section="admin_moderation.articles",
        article=article,
        next=request.args.get("next", ""),
    )


# --------------------------------------------------------------------------- comments, messages


def _selected_ids() -> list[int]:
    """Return the ids ticked in a bulk form; anything but possible ids answers 400."""
    raw = request.form.getlist("ids")
    if len(raw) > BULK_MAX:
        abort(400)
    ids = []
    for value in raw:
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            abort(400)
        number = int(value)
        if not is_possible_id(number):
            abort(400)
        ids.append(number)
    return ids


def _item_list(kind: str) -> ResponseReturnValue:
    params = _search_args("q", "author")
    number, window = requested_page(PER_PAGE)
    if kind == "comments":
        items: list[Any] = []
        rows, total = articles_moderation.list_moderated_comments(
            page=window, q=params.get("q"), author=params.get("author")
        )
        items = [{"comment": c, "article": a} for c, a in rows]
    else:
        messages, total = guestbook_services.search_messages(
            page=window, q=params.get("q"), author=params.get("author")
        )
        items = [{"message": m} for m in messages]
    if number > 1 and not items:
        abort(404)
    return render_template(
        f"admin/moderation/{kind}.html",
        section=f"admin_moderation.{kind}",
        items=items,
        total=total,
        page=number,
        per_page=PER_PAGE,
        params=params,
    )


def _bulk_delete(kind: str) -> ResponseReturnValue:
    ids = _selected_ids()
    back = url_for(f"admin_moderation.{kind}")
    if not ids:
        flash(_("Select at least one item first."), "info")
        return redirect(back)
    if request.form.get("confirm") != "yes":
        if kind == "comments":
            chosen = [
                {"id": c.id, "author": c.author.username, "body": c.body, "where": a.title}
                for c, a in articles_moderation.find_comments(ids=ids)
            ]
        else:
            chosen = [
                {"id": m.id, "author": m.name, "body": m.body, "where": None}
                for m in guestbook_services.find_messages(ids=ids)
            ]
        if not chosen:
            flash(_("Those items are gone already."), "info")
            return redirect(back)
        return render_template(
            "admin/moderation/confirm_delete.html",
            section=f"admin_moderation.{kind}",
            kind=kind,
            chosen=chosen,
            action=url_for(f"admin_moderation.delete_{kind}"),
            back=back,
        )
    if kind == "comments":
        count = articles_moderation.remove_comments(ids=ids, actor=_moderator())
    else:
        count = guestbook_services.remove_messages(ids=ids, actor=_moderator())
    db.session.commit()
    flash(ngettext("%(num)d item is deleted.", "%(num)d items are deleted.", count), "success")
    return redirect(back)


@bp.get("/moderation/comments")
@require_scope(Scope.COMMENTS_MODERATE)
def comments() -> ResponseReturnValue:
    """List comments (newest first): search them and delete a selection."""
    return _item_list("comments")


@bp.post("/moderation/comments/delete")
@require_scope(Scope.COMMENTS_MODERATE)
def delete_comments() -> ResponseReturnValue:
    """Confirm, then delete the selected comments."""
    return _bulk_delete("comments")


@bp.get("/moderation/guestbook")
@require_scope(Scope.GUESTBOOK_MODERATE)
def guestbook() -> ResponseReturnValue:
    """List guestbook messages (newest first): search them and delete a selection."""
    return _item_list("guestbook")


@bp.post("/moderation/guestbook/delete")
@require_scope(Scope.GUESTBOOK_MODERATE)
def delete_guestbook() -> ResponseReturnValue:
    """Confirm, then delete the selected guestbook messages."""
    return _bulk_delete("guestbook")
