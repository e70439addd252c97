"""Back office section: reports. Readers report an item; moderators work through the queue.

``bp``: the queue under ``/admin/reports``. ``reader_bp`` (in ``public``): the report form
readers reach from the "Report" buttons this section puts in the article page's, the
comments' and the guestbook's slots (``slots``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from inkstone.admin import report_services
from inkstone.admin.models import REASON_MAX, ReportStatus, ReportTarget, Resolution
from inkstone.admin.reports_api import REPORT_SCOPE, report_limit, reporter_key
from inkstone.admin.reports_api import bp as reports_api_bp
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope, has_scope
from inkstone.auth.signin import web_user
from inkstone.core.errors import Conflict, DomainError, Invalid, NotFound
from inkstone.core.features import NavItem
from inkstone.extensions import db, limiter
from inkstone.web.paging import requested_page

bp = Blueprint("admin_reports", __name__, url_prefix="/admin", template_folder="templates")
reader_bp = Blueprint("reports", __name__, template_folder="templates")

public = (reader_bp,)
api = (reports_api_bp,)
nav = (
    NavItem(
        "admin_reports.index",
        _l("Reports"),
        25,
        icon="bi-flag",
        scope="articles:moderate",
        menu="admin",
    ),
)
slots = {
    "article_actions": ("admin/reports/_article_button.html",),
    "comment_actions": ("admin/reports/_comment_button.html",),
    "guestbook_actions": ("admin/reports/_guestbook_button.html",),
}


PER_PAGE = 25
TARGET_LABELS = {
    "article": _l("Article"),
    "comment": _l("Comment"),
    "guestbook": _l("Guestbook message"),
}
RESOLUTION_LABELS = {
    "dismiss": _l("Dismissed"),
    "hide": _l("Hidden"),
    "delete": _l("Deleted"),
    "suspend": _l("Author suspended"),
}
DONE = {
    "dismiss": _l("The report is dismissed."),
    "hide": _l("The article is hidden and the report resolved."),
    "delete": _l("The item is deleted and the report resolved."),
    "suspend": _l("The author is suspended and the report resolved."),
}


# --------------------------------------------------------------------------- the queue


@bp.get("/reports")
@require_scope(Scope.ARTICLES_MODERATE)
def index() -> ResponseReturnValue:
    """Show the report queue: open reports first."""
    status = request.args.get("status", "open")
    target = request.args.get("type", "")
    if status not in ("open", "resolved", "all") or target not in ("", *TARGET_LABELS):
        abort(400)
    number, window = requested_page(PER_PAGE)
    entries, total = report_services.list_reports(
        page=window,
        status=None if status == "all" else ReportStatus(status),
        target=ReportTarget(target) if target else None,
    )
    if number > 1 and not entries:
        abort(404)
    params = {"status": status, **({"type": target} if target else {})}
    return render_template(
        "admin/reports/index.html",
        section="admin_reports.index",
        entries=entries,
        total=total,
        page=number,
        per_page=PER_PAGE,
        params=params,
        status=status,
        target=target,
        target_labels=TARGET_LABELS,
        resolution_labels=RESOLUTION_LABELS,
        can_suspend=has_scope(web_user(), Scope.USERS_MANAGE),
    )


@bp.post("/reports/<int:report_id>/resolve")
@require_scope(Scope.ARTICLES_MODERATE)
def resolve(report_id: int) -> ResponseReturnValue:
    """Resolve a report: dismiss it, hide or delete the item, or suspend its author."""
    user = web_user()
    assert user is not None  # require_scope
    report = report_services.get_report(report_id=report_id)  # 404 first: a bad id is no row
    action = request.form.get("action", "")
    if action not in DONE:
        abort(400)
    note = request.form.get("note", "")
    back = url_for("admin_reports.index")
    try:
        report_services.resolve_report(
            report=report, actor=user, action=Resolution(action), note=note
        )
    except (Conflict, Invalid) as error:
        db.session.rollback()
        flash(_("Could not resolve the report: %(reason)s", reason=error.message), "error")
        return redirect(back)
    db.session.commit()
    flash(str(DONE[action]), "success")
    return redirect(back)


# --------------------------------------------------------------------------- the reader's form


def _item_or_404(target: ReportTarget, key: str | int) -> tuple[Any, str]:
    """Return the item a signed-in reader reports and where to go back to, or abort."""
    user = web_user()
    if user is None:
        abort(redirect(url_for("auth.login", next=request.path)))
    try:
        item = report_services.find_item(target=target, key=key)
    except NotFound:
        abort(404)
    if target is ReportTarget.ARTICLE:
        back = url_for("articles.article", slug=str(key))
    elif target is ReportTarget.COMMENT:
        slug = report_services.comment_article_slug(comment_id=item.id)
        back = url_for("articles.article", slug=slug) + f"#comment-{item.id}"
    else:
        back = url_for("guestbook.index") + f"#message-{item.id}"
    return item, back


def _report_page(target: ReportTarget, key: str | int) -> ResponseReturnValue:
    item, back = _item_or_404(target, key)
    user = web_user()
    assert user is not None
    reason = ""
    error: str | None = None
    status = 200
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            report_services.file_report(reporter=user, target=target, key=key, reason=reason)
        except Conflict:
            db.session.rollback()
            flash(_("You have already reported this. The moderators will look at it."), "info")
            return redirect(back)
        except DomainError as refused:
            db.session.rollback()
            error, status = _reason_error(refused), refused.status_code
        else:
            db.session.commit()
            flash(_("Thank you. The moderators will look at your report."), "success")
            return redirect(back)
    page = render_template(
        "admin/reports/form.html",
        item=item,
        target_label=TARGET_LABELS[target.value],
        back=back,
        reason=reason,
        error=error,
        reason_max=REASON_MAX,
    )
    return page, status


def _reason_error(error: DomainError) -> str:
    if error.field == "reason" and "blank" in error.message:
        return str(_("Please say why you are reporting this."))
    if error.field == "reason":
        return str(_("The reason is too long (at most %(max)d characters).", max=REASON_MAX))
    if error.message == report_services.OWN_ITEM:
        return str(_("You can't report your own writing."))
    return str(_("This can't be reported."))


_limit = limiter.shared_limit(
    report_limit, scope=REPORT_SCOPE, key_func=reporter_key, methods=["POST"]
)


@reader_bp.route("/report/article/<slug>", methods=["GET", "POST"])
@_limit
def report_article(slug: str) -> ResponseReturnValue:
    """Report an article to the moderators."""
    return _report_page(ReportTarget.ARTICLE, slug)


@reader_bp.route("/report/comment/<int:comment_id>", methods=["GET", "POST"])
@_limit
def report_comment(comment_id: int) -> ResponseReturnValue:
    """Report a comment to the moderators."""
    return _report_page(ReportTarget.COMMENT, comment_id)


@reader_bp.route("/report/guestbook/<int:message_id>", methods=["GET", "POST"])
@_limit
def report_message(message_id: int) -> ResponseReturnValue:
    """Report a guestbook message to the moderators."""
    return _report_page(ReportTarget.GUESTBOOK, message_id)
