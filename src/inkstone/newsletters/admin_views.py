"""The back office's newsletter page: totals, the authors with most subscribers, removal.

Registered by the newsletters package itself, with its item in the back office's side menu.
Subscriber addresses are personal data: the page needs ``users:manage``, and removing one is
recorded in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from inkstone.auth.access import require_scope
from inkstone.auth.models import EMAIL_MAX
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import signed_in_web_user
from inkstone.extensions import db
from inkstone.newsletters import services

bp = Blueprint("newsletters_admin", __name__, url_prefix="/admin", template_folder="templates")


def _query() -> str:
    value = request.args.get("email", "")
    return value.strip()[:EMAIL_MAX] if isinstance(value, str) else ""


@bp.get("/newsletters")
@require_scope(Scope.USERS_MANAGE)
def index() -> ResponseReturnValue:
    """Show subscriptions by status, the top authors, and a search by address."""
    query = _query()
    return render_template(
        "newsletters/admin/index.html",
        counts=services.counts_by_status(),
        top=services.top_authors(),
        query=query,
        found=services.search_subscriptions(email=query) if query else [],
        section="newsletters_admin.index",
    )


@bp.post("/newsletters/<int:subscription_id>/remove")
@require_scope(Scope.USERS_MANAGE)
def remove(subscription_id: int) -> ResponseReturnValue:
    """Remove a subscriber for good (audited)."""
    services.remove_subscription(subscription_id=subscription_id, actor=signed_in_web_user())
    db.session.commit()
    flash(_("The subscriber was removed."), "success")
    back = request.form.get("email", "")[:EMAIL_MAX]
    return redirect(url_for("newsletters_admin.index", email=back or None), code=303)
