"""The "Export my articles" button in settings: it starts an export job and shows its page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_login import login_required

from inkstone.auth.signin import web_user
from inkstone.extensions import db
from inkstone.transfers import exports

bp = Blueprint("exports", __name__, template_folder="templates")


@bp.post("/settings/export")
@login_required
def export_mine() -> ResponseReturnValue:
    """Start an export of your own articles in the chosen format, then show its job."""
    user = web_user()
    assert user is not None  # login_required
    format = request.form.get("format", "csv")
    if format not in exports.FORMATS:
        flash(_("Choose CSV, Excel or PDF for the export."), "warning")
        return redirect(url_for("account.settings"), code=303)
    job = exports.start_export(owner=user, format=format, scope="mine")
    db.session.commit()
    return redirect(url_for("jobs.job_page", job_id=job.id))
