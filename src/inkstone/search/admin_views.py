"""The back office's search page: what the index holds, and rebuilding it as a job.

Registered by the search package itself, with its item in the back office's menu.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _

from inkstone.articles.models import PUBLISHED_ARTICLES
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import web_user
from inkstone.core.db import counters
from inkstone.extensions import db
from inkstone.search.backends import backend
from inkstone.search.jobs import start_reindex

bp = Blueprint("search_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/search")
@require_scope(Scope.SITE_CONFIGURE)
def index() -> ResponseReturnValue:
    """Show the index: backend, documents against published articles, last write."""
    connection = db.session.connection()
    status = backend(connection).status(connection, size=False)
    published = counters.read(PUBLISHED_ARTICLES)
    return render_template(
        "search/admin.html", status=status, published=published, section="search_admin.index"
    )


@bp.post("/search/reindex")
@require_scope(Scope.SITE_CONFIGURE)
def reindex() -> ResponseReturnValue:
    """Queue a rebuild of the whole index; follow it on the job's page."""
    job = start_reindex(owner=web_user())
    db.session.commit()
    flash(_("The search index is being rebuilt."), "success")
    return redirect(url_for("jobs.job_page", job_id=job.id))
