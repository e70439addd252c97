"""The back office's files page: every upload with its owner and use, quotas, deleting one.

Registered by the media package itself (``init_app``), with its item in the back office's
menu (``NavItem(menu="admin")``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _

from inkstone.auth.access import require_scope
from inkstone.auth.models import USERNAME_MAX, User
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import signed_in_web_user
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.schemas import KINDS, SORT_NAMES, media_url
from inkstone.media.storage import get_storage
from inkstone.web.paging import query_filter, requested_page

bp = Blueprint("media_admin", __name__, url_prefix="/admin", template_folder="templates")

FILES_PER_PAGE = 25


def _filters() -> dict[str, str]:
    """Return the list's filters from the query string; a value that cannot match is dropped."""
    owner = query_filter("owner")
    kind = query_filter("kind")
    sort = query_filter("sort")
    return {
        "owner": owner if len(owner) <= USERNAME_MAX * 4 else "",
        "kind": kind if kind in KINDS else "",
        "sort": sort if sort in SORT_NAMES else "",
    }


@bp.get("/files")
@require_scope(Scope.USERS_MANAGE)
def index() -> ResponseReturnValue:
    """List every upload: owner, type, size, date, the articles showing it; quotas."""
    number, page = requested_page(FILES_PER_PAGE)
    filters = _filters()
    rows = services.search_uploads(
        page=PageRequest(limit=page.limit + 1, offset=page.offset),
        owner=filters["owner"] or None,
        kind=filters["kind"] or None,
        sort=filters["sort"] or "newest",
    )
    if number > 1 and not rows:
        abort(404)
    more, rows = len(rows) > page.limit, rows[: page.limit]
    uploads = [upload for upload, _owner in rows]
    return render_template(
        "media/admin/index.html",
        rows=rows,
        used_by=services.used_by(uploads=uploads),
        usage=services.usage_by_owner(owner_ids=[upload.owner_id for upload in uploads]),
        heaviest=services.heaviest_users(),
        quota=services.configured_limits().quota_bytes,
        more=more,
        page=number,
        filters=filters,
        params={key: value for key, value in filters.items() if value},
        kinds=KINDS,
        sorts=SORT_NAMES,
        media_url=media_url,
        section="media_admin.index",
    )


@bp.route("/files/<int:upload_id>/delete", methods=["GET", "POST"])
@require_scope(Scope.USERS_MANAGE)
def delete(upload_id: int) -> ResponseReturnValue:
    """Ask, then delete anyone's upload (its file goes once no other upload shares it)."""
    upload = services.find_upload(upload_id=upload_id)
    if request.method == "GET":
        owner = db.session.get(User, upload.owner_id)
        return render_template(
            "media/admin/delete.html",
            upload=upload,
            owner=owner,
            used_by=services.used_by(uploads=[upload]).get(upload.id, []),
            media_url=media_url,
            section="media_admin.index",
        )
    names = services.remove_upload(upload=upload, actor=signed_in_web_user())
    db.session.commit()
    services.purge_unused(names=names, storage=get_storage())
    flash(_("The file was deleted."), "success")
    return redirect(url_for("media_admin.index"), code=303)
