"""``GET /api/v1/admin/stats``: the dashboard's counts and daily series (``users:read``)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.admin import stats
from inkstone.admin.stats_schemas import StatsOut, StatsQuery, stats_document
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import token_required

bp = APIBlueprint("admin_stats_api", __name__, tag="Back office")


@bp.get("/admin/stats")
@token_required
@require_scope(Scope.USERS_READ)
@bp.input(StatsQuery, location="query", arg_name="query")
@bp.output(StatsOut)
@bp.doc(responses=[401, 403, 422], operation_id="GetAdminStats")
def get_stats(query: dict[str, Any]) -> dict[str, Any]:
    """Get the site's statistics

    What the back office's dashboard shows: people by status, articles by state, comments,
    guestbook messages, uploads and the bytes they use, jobs by status, open reports, job
    workers alive, and sign-ups, articles and comments per UTC day over the last `days` days
    (30, 90 or 365; today included, every day listed). Needs the `users:read` permission
    (moderators and admins). Every number is a running total the database keeps, so this
    costs the same on a large site as on a small one.
    """
    board = stats.dashboard(days=query["days"], events=False)
    return stats_document(board)
