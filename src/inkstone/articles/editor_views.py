"""The editor: write an article, save it as a draft, publish it or schedule it.

Routes on the articles blueprint (``articles.editor``, ``articles.preview``). A schedule is
entered in the time zone the site shows the author times in (their setting, else the one
their browser asked for, else the site's) and handed to the services as an aware time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _

from inkstone.articles import markdown, scheduling, services
from inkstone.articles.forms import ArticleForm
from inkstone.articles.models import BODY_MAX, TAG_MAX, TAGS_PER_ARTICLE, Article
from inkstone.articles.views import bp
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, can_edit, ensure_scope
from inkstone.auth.signin import web_user
from inkstone.core.errors import Invalid
from inkstone.extensions import db, limiter

__all__ = ["bp", "editor", "preview"]

PREVIEW_LIMIT = "240/minute"
# What the service's messages about a schedule say, in the reader's language.
SCHEDULE_MESSAGES = {
    scheduling.IN_THE_PAST: lambda: _("This time has passed: choose a time in the future."),
    scheduling.TOO_FAR: lambda: _("Choose a time within a year."),
    scheduling.NOT_A_TIME: lambda: _("Not a valid time."),
    scheduling.PUBLISHED_ALREADY: lambda: _(
        "A published article can't be scheduled: unpublish it first."
    ),
}


def _zone() -> ZoneInfo:
    """Return the page's time zone as a ``ZoneInfo`` (Babel's is pytz: ``replace`` is wrong)."""
    return ZoneInfo(str(get_timezone()))


def _article_url(slug: str) -> str:
    return url_for("articles.article", slug=slug)


@bp.route("/editor", methods=["GET", "POST"], defaults={"slug": None})
@bp.route("/editor/<slug>", methods=["GET", "POST"])
def editor(slug: str | None) -> ResponseReturnValue:
    """Write a new article or edit one of yours; save it as a draft, publish or schedule it."""
    user = web_user()
    if user is None:  # what @login_required does: to the sign-in page and back
        response: ResponseReturnValue = current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        return response
    existing = _editable(slug, user)
    form = _editor_form(existing)
    preview_html: str | None = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "")
        if action == "preview":
            preview_html = markdown.render((form.body.data or "")[:BODY_MAX])
        elif (
            action in ("publish", "schedule")
            and existing is not None
            and existing.hidden_at is not None
        ):
            status = 403  # the service would refuse (a hidden article): the page says why
        elif form.validate() and _schedule_given(form, action):
            try:
                saved = _save(form, existing, action, user)
            except Invalid as error:
                if error.field != scheduling.FIELD:
                    raise
                db.session.rollback()
                said = SCHEDULE_MESSAGES.get(error.message)
                form.publish_at.errors = [said() if said else error.message]
                status = 422
            else:
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
        zone=str(get_timezone()),
    )
    return page, status


def _schedule_given(form: ArticleForm, action: str) -> bool:
    """Tell whether the form has the time a "Schedule" needs (else mark the field)."""
    if action == "schedule" and form.publish_at.data is None:
        form.publish_at.errors = [_("Choose when to publish it.")]
        return False
    return True


def _local_time(form: ArticleForm) -> datetime | None:
    """Return the form's schedule as an aware time in the zone the page showed."""
    value = form.publish_at.data
    return None if value is None else value.replace(tzinfo=_zone())


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
                "publish_at": existing.publish_at
                and existing.publish_at.astimezone(_zone()).replace(tzinfo=None),
            }
        )
    return ArticleForm()


def _save(form: ArticleForm, existing: Article | None, action: str, user: User) -> Article:
    """Create or change the article from a valid editor form; flash what happened.

    Only the "Publish" button publishes a new article or a draft (anything else keeps it a
    draft, so nothing goes out by accident); a published article stays published ("Update").
    "Schedule" sets the draft's time, "Cancel schedule" clears it; "Save draft" keeps it.
    """
    title, description = form.title.data or "", form.description.data or ""
    body, tag_list = form.body.data or "", form.tag_list()
    when = _local_time(form) if action == "schedule" else None
    if existing is None:
        publish = action == "publish"
        saved = services.create_article(
            author=user,
            title=title,
            description=description,
            body=body,
            tag_list=tag_list,
            published=publish,
            publish_at=when,
        )
        message = _("Your article is published.") if publish else None
    else:
        was_published = existing.published
        publish = was_published or action == "publish"
        changes = {"title": title, "description": description, "body": body}
        if action in ("schedule", "unschedule") and not was_published:
            changes["publish_at"] = when
        saved = services.update_article(
            article=existing,
            actor=user,
            changes={**changes, "tag_list": tag_list, "published": publish},
        )
        if was_published:
            message = _("Your article is updated.")
        elif action == "unschedule":
            message = _("The schedule is cancelled: your article is a draft only you can see.")
        else:
            message = _("Your article is published.") if publish else None
    if saved.publish_at is not None and not saved.published and action == "schedule":
        message = _(
            "Your article is scheduled for %(time)s. Until then only you can see it.",
            time=format_datetime(saved.publish_at),
        )
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
