"""What a notification says, in the reader's language, and where it leads.

The same sentence is shown on the list page (HTML: names and titles escaped and isolated in
``<bdi>``), in the API (plain text) and in mail (both). Targets are built from the URL map
alone, never from anything stored as a URL, so following one cannot leave the site.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from inkstone.jobs.views import kind_label
from inkstone.notifications.models import Kind
from inkstone.notifications.services import NotificationView

# The kinds as the preferences form and the digest's headings name them.
KIND_LABELS: dict[Kind, Any] = {
    Kind.COMMENT: _l("Comments on your articles"),
    Kind.MENTION: _l("Mentions of you in comments"),
    Kind.FOLLOW: _l("New followers"),
    Kind.FAVORITE: _l("Favorites of your articles"),
    Kind.JOB: _l("Your exports and imports"),
    Kind.MODERATION: _l("Moderation of your articles"),
    Kind.REPORT: _l("Reports you filed"),
}
REPORT_ACTIONS: dict[str, Any] = {
    "dismiss": _l("no action was needed"),
    "hide": _l("the article was hidden"),
    "delete": _l("it was removed"),
    "suspend": _l("the account was suspended"),
}


def _plain(value: Any) -> str:
    return str(value)


def _bdi(value: Any) -> Markup:
    return Markup("<bdi>{}</bdi>").format(value)


def _actor_name(view: NotificationView) -> Any:
    if view.actor is None:
        return _("Someone")
    if view.actor.is_deleted:
        return _("deleted user")
    return view.actor.username


def sentence(view: NotificationView, *, html: bool = False) -> str:
    """Return what ``view`` says, in the current language (escaped HTML with ``html``)."""
    wrap = _bdi if html else _plain
    name = wrap(_actor_name(view))
    title = wrap(view.article_title or view.data.get("title") or _("an article"))
    text = _sentence(view, name, title, wrap)
    return Markup(text) if html else text


def _sentence(view: NotificationView, name: Any, title: Any, wrap: Any) -> Any:
    kind, data = view.kind, view.data
    if kind is Kind.COMMENT:
        return _("%(name)s commented on %(title)s", name=name, title=title)
    if kind is Kind.MENTION:
        return _("%(name)s mentioned you in a comment on %(title)s", name=name, title=title)
    if kind is Kind.FOLLOW:
        return _("%(name)s followed you", name=name)
    if kind is Kind.FAVORITE:
        others = view.actor_count - 1
        if others < 1:
            return _("%(name)s favorited %(title)s", name=name, title=title)
        return ngettext(
            "%(name)s and %(num)d other favorited %(title)s",
            "%(name)s and %(num)d others favorited %(title)s",
            others,
            name=name,
            title=title,
        )
    if kind is Kind.JOB:
        what = wrap(kind_label(str(data.get("job_kind") or "")))
        if data.get("status") == "succeeded":
            return _("Your %(job)s is done", job=what)
        return _("Your %(job)s failed", job=what)
    if kind is Kind.MODERATION:
        reason = wrap(data.get("reason") or _("no reason given"))
        return _("A moderator hid your article %(title)s: %(reason)s", title=title, reason=reason)
    label = wrap(data.get("label") or _("an item"))
    action = REPORT_ACTIONS.get(str(data.get("action")), _("it was resolved"))
    text = _("Your report about %(label)s was resolved: %(action)s", label=label, action=action)
    if data.get("note"):
        text += " " + _("Moderator's note: %(note)s", note=wrap(data["note"]))
    return text


def target(view: NotificationView) -> str | None:
    """Return where ``view`` leads (a path on this site), if anywhere."""
    values: dict[str, Any] = {}
    kind = view.kind
    if kind is Kind.FOLLOW:
        if view.actor is None or view.actor.is_deleted:
            return None
        return url_for("articles.profile", username=view.actor.username, **values)
    if kind is Kind.JOB:
        return None if view.job_id is None else url_for("jobs.job_page", job_id=view.job_id)
    slug = view.article_slug or (view.data.get("slug") if kind is Kind.REPORT else None)
    if not slug:
        return None
    if kind in (Kind.COMMENT, Kind.MENTION) and view.comment_id is not None:
        values["_anchor"] = f"comment-{view.comment_id}"
    return url_for("articles.article", slug=slug, **values)
