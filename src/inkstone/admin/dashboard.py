"""The back office's dashboard: counts, daily charts, reports, workers, latest audit events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_group_symbol
from flask import Blueprint, render_template, request, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.routing import BuildError

from inkstone.admin import charts, stats, stats_api
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.core.features import Audience, NavItem

bp = Blueprint("admin_dashboard", __name__, url_prefix="/admin", template_folder="templates")
api = (stats_api.bp,)
nav = (
    NavItem(
        "admin_dashboard.index",
        _l("Dashboard"),
        10,
        icon="bi-speedometer2",
        audience=Audience.SIGNED_IN,
        scope=Scope.USERS_READ.value,
        menu="admin",
    ),
)

PEOPLE_LABELS = {
    "active": _l("Active"),
    "unverified": _l("Unverified"),
    "suspended": _l("Suspended"),
    "deleted": _l("Deleted"),
}
ARTICLE_LABELS = {"published": _l("Published"), "drafts": _l("Drafts"), "hidden": _l("Hidden")}
JOB_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "succeeded": _l("Succeeded"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
_UNITS = ("KB", "MB", "GB", "TB", "PB")


@dataclass(frozen=True)
class ChartView:
    """One chart on the page: its heading, the SVG, and the numbers for the table beside it."""

    chart_id: str
    heading: str
    svg: Markup
    rows: Markup  # the table's rows: the same numbers, newest day first
    series: stats.Series


def human_bytes(size: int) -> str:
    """Return a byte count as people read it: "512 bytes", "1.5 MB" (1 KB = 1,024 bytes)."""
    if size < 1024:
        return str(ngettext("%(size)s byte", "%(size)s bytes", size, size=format_decimal(size)))
    value = float(size)
    for unit in _UNITS:
        value /= 1024
        if value < 1024 or unit == _UNITS[-1]:
            break
    return f"{format_decimal(round(value, 1), format='#,##0.#')} {unit}"


def whole_numbers() -> Callable[[int], str]:
    """Return a formatter of counts in the viewer's language: "12,345".

    The 365-day tables show a thousand numbers; Babel's ``format_decimal`` costs tens of
    microseconds each, so the language's group separator is read once. (Both languages the
    site speaks group by threes.)
    """
    locale = get_locale()
    symbol = get_group_symbol(locale) if locale is not None else ","
    return lambda value: f"{int(value):,}".replace(",", symbol)


def _headings(days: int) -> dict[str, str]:
    return {
        "signups": _("Sign-ups per day, last %(days)d days", days=days),
        "articles": _("Articles published per day, last %(days)d days", days=days),
        "comments": _("Comments per day, last %(days)d days", days=days),
    }


def _charts(board: stats.Dashboard, number: Callable[[int], str]) -> list[ChartView]:
    """Draw the three daily series of ``board``."""
    headings = _headings(board.days)
    views = []
    for metric, series in board.series.items():
        busiest = max(series.points, key=lambda point: point[1]) if series.points else None
        if busiest is None or busiest[1] == 0:
            description = _("None in these %(days)d days.", days=series.days)
        else:
            description = _(
                "%(total)s in all; the busiest day, %(day)s, had %(peak)s.",
                total=number(series.total),
                day=busiest[0].isoformat(),
                peak=number(series.peak),
            )
        chart_id = f"chart-{metric}"
        svg = charts.chart(
            series.points,
            chart_id=chart_id,
            title=headings[metric],
            description=description,
            peak_label=_("Most in a day: %(peak)s", peak=number(series.peak)),
        )
        rows = charts.table_rows(series.points, number)
        views.append(ChartView(chart_id, headings[metric], svg, rows, series))
    return views


def _url_or(endpoint: str, fallback: str) -> str:
    """Return the URL of a section's page, or its path while that section has none yet."""
    try:
        return url_for(endpoint)
    except BuildError:
        return fallback


@bp.get("/")
@require_scope(Scope.USERS_READ)
def index() -> str:
    """Show the dashboard."""
    days = stats.valid_days(request.args.get("days", type=int))
    board = stats.dashboard(days=days)
    number = whole_numbers()
    context: dict[str, Any] = {
        "board": board,
        "counts": board.counts,
        "charts": _charts(board, number),
        "windows": stats.SERIES_DAYS,
        "people_labels": PEOPLE_LABELS,
        "article_labels": ARTICLE_LABELS,
        "job_labels": JOB_LABELS,
        "number": number,
        "human_bytes": human_bytes,
        "reports_url": _url_or("admin_reports.index", "/admin/reports"),
        "audit_url": _url_or("admin_audit.index", "/admin/audit"),
    }
    return render_template("admin/dashboard.html", section="admin_dashboard.index", **context)
