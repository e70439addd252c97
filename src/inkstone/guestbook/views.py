"""The guestbook page: read it, sign it, and (moderators) tidy it."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from inkstone.auth.permissions import Scope, has_scope
from inkstone.auth.signin import web_user
from inkstone.core.errors import PermissionDenied
from inkstone.extensions import db, limiter
from inkstone.guestbook import services
from inkstone.guestbook.forms import MessageForm
from inkstone.web.paging import requested_page

bp = Blueprint("guestbook", __name__, template_folder="templates")

PER_PAGE = 20


# One budget per address for signing on the page and through the API (guestbook.api).
SIGNING_SCOPE = "guestbook"


def signing_limit() -> str:
    """Return the limit on signing the guestbook (``RATELIMIT_GUESTBOOK``)."""
    return str(current_app.config["RATELIMIT_GUESTBOOK"])


@bp.route("/guestbook", methods=["GET", "POST"])
@limiter.shared_limit(signing_limit, scope=SIGNING_SCOPE, methods=["POST"])
def index() -> str | Response:
    """Show the guestbook (GET) and sign it (POST)."""
    signer = web_user()
    form = MessageForm()
    if form.validate_on_submit():
        services.post_message(name=form.name.data, body=form.body.data, author=signer)
        db.session.commit()
        flash(_("Thanks for your message!"), "success")
        return redirect(url_for("guestbook.index"))
    if not form.is_submitted() and signer is not None:
        form.name.data = current_user.username

    page, window = requested_page(PER_PAGE)
    messages, total = services.list_messages(page=window)
    last_page = max(1, -(-total // PER_PAGE))
    if page > last_page:  # the messages moved on (or were deleted): show the last page instead
        return redirect(url_for("guestbook.index", page=last_page if last_page > 1 else None))
    return render_template(
        "guestbook/index.html",
        form=form,
        messages=messages,
        total=total,
        page=page,
        per_page=PER_PAGE,
        can_moderate=has_scope(signer, Scope.GUESTBOOK_MODERATE) if signer else False,
    )


@bp.post("/guestbook/<int:message_id>/delete")
def delete(message_id: int) -> Response:
    """Delete a message (moderators only)."""
    signer = web_user()
    if signer is None:
        raise PermissionDenied("only moderators may delete guestbook messages", field="id")
    services.delete_message(message_id=message_id, actor=signer)
    db.session.commit()
    flash(_("The message was deleted."), "success")
    page = request.form.get("page", type=int)
    return redirect(url_for("guestbook.index", page=page if page and page > 1 else None))
