"""Back office section: the audit log, filtered by who, about whom, what and when; CSV export.

Days are UTC days: "from 2026-12-01 to 2026-12-07" keeps what happened from the start of
the first to the end of the last, in UTC (the page says so). An export is a job
(``audit_export``) whose file the person who asked downloads from its job page.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_babel import lazy_gettext as _l

from inkstone.accounts.views import device_label
from inkstone.admin import audit_api
from inkstone.admin.audit_export import AuditFilters, make_filters, start_audit_export
from inkstone.auth.access import require_scope
from inkstone.auth.audit import Event, audit_log
from inkstone.auth.audit_text import event_label, sentence
from inkstone.auth.models import USERNAME_MAX, User
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import web_user
from inkstone.core.features import NavItem
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.web.paging import requested_page

bp = Blueprint("admin_audit", __name__, url_prefix="/admin", template_folder="templates")
api = (audit_api.bp,)
tasks = ("inkstone.admin.audit_export",)
nav = (
    NavItem(
        "admin_audit.index",
        _l("Audit log"),
        90,
        icon="bi-journal-text",
        scope="users:read",
        menu="admin",
    ),
)

EVENTS_PER_PAGE = 50
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NAME_MAX = USERNAME_MAX * 4


def _day(raw: str) -> date | None:
    """Return the day ``YYYY-MM-DD`` names; ``ValueError`` for anything else."""
    if not _DAY.fullmatch(raw):
        raise ValueError(raw)
    return date.fromisoformat(raw)


def read_filters(values: Any) -> tuple[AuditFilters, dict[str, str], list[str]]:
    """Return the filters a query string or form asks for, their values, and what was refused.

    A value that cannot be understood (a day that is no day, a name too long to be one, an
    unknown kind) is left out, and named in the returned list, never an error.
    """
    shown = {key: str(values.get(key, "")).strip()[:200] for key in ("actor", "user", "event")}
    shown["from"], shown["to"] = (str(values.get(key, "")).strip()[:20] for key in ("from", "to"))
    refused: list[str] = []
    days: dict[str, date | None] = {"from": None, "to": None}
    for key in days:
        if shown[key]:
            try:
                days[key] = _day(shown[key])
            except ValueError:
                refused.append(key)
                shown[key] = ""
    for key in ("actor", "user"):
        if len(shown[key]) > _NAME_MAX:
            refused.append(key)
            shown[key] = ""
    if shown["event"] and shown["event"] not in {event.value for event in Event}:
        refused.append("event")
        shown["event"] = ""
    filters = make_filters(
        user=shown["user"] or None,
        actor=shown["actor"] or None,
        event=shown["event"] or None,
        first_day=days["from"],
        last_day=days["to"],
    )
    return filters, shown, refused


def _choices() -> list[tuple[str, str]]:
    return sorted(((event.value, event_label(event.value)) for event in Event), key=lambda c: c[1])


@bp.get("/audit")
@require_scope(Scope.USERS_READ)
def index() -> ResponseReturnValue:
    """Show the audit log, newest first, filtered by actor, person, kind and days (UTC)."""
    number, page = requested_page(EVENTS_PER_PAGE)
    filters, shown, refused = read_filters(request.args)
    events = []
    if not filters.nobody:
        window = PageRequest(limit=page.limit + 1, offset=page.offset)
        events = audit_log(page=window, **filters.query())
    if number > 1 and not events:
        abort(404)
    rows = [
        {
            "event": event,
            "sentence": sentence(event),
            "device": device_label(event.user_agent) if event.user_agent else "",
        }
        for event in events[: page.limit]
    ]
    labels = {"from": _("From"), "to": _("To"), "actor": _("Done by"), "user": _("About")}
    labels["event"] = _("What")
    return render_template(
        "admin/audit/index.html",
        rows=rows,
        more=len(events) > page.limit,
        page=number,
        shown=shown,
        params={key: value for key, value in shown.items() if value},
        refused=[str(labels[key]) for key in refused],
        choices=_choices(),
        section="admin_audit.index",
    )


@bp.post("/audit/export")
@require_scope(Scope.USERS_READ)
def export() -> ResponseReturnValue:
    """Start a CSV export of the filtered log; its job page offers the file once written."""
    me = web_user()
    assert isinstance(me, User)  # require_scope
    filters, _shown, _refused = read_filters(request.form)
    job = start_audit_export(actor=me, filters=filters)
    db.session.commit()
    return redirect(url_for("jobs.job_page", job_id=job.id), code=303)
