"""The back office's dashboard: counts, daily charts, reports, workers, latest audit events."""

from __future__ import annotations

from flask import Blueprint, render_template

from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope

bp = Blueprint("admin_dashboard", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
@require_scope(Scope.USERS_READ)
def index() -> str:
    """Show the dashboard."""
    return render_template("admin/dashboard.html", section="admin_dashboard.index")
