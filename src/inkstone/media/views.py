"""The site's upload route (the editor and settings send files with the session); "My files".

``POST /uploads`` takes the same multipart form as ``POST /api/v1/uploads`` and answers with
the same JSON, but signs in with the session cookie and checks the CSRF token (the
``X-CSRFToken`` header, or a ``csrf_token`` form field). It answers in JSON only, errors
included (``{"errors": {field: [message]}}``): its callers are ``fetch`` calls, not pages.

``/settings/files`` ("My files", ``files_bp``) lists your uploads against your quota and
deletes one after asking.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_login import login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from inkstone.auth.models import User
from inkstone.auth.signin import web_user
from inkstone.core.errors import DomainError, Invalid, Unauthorized
from inkstone.core.json import error_body
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.schemas import UploadOut, media_url, upload_fields
from inkstone.media.storage import get_storage
from inkstone.web.paging import requested_page

bp = Blueprint("media_site", __name__, template_folder="templates")


@bp.url_value_preprocessor
def check_upload_request(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Refuse strangers, and let uploads read bodies up to the largest file's.

    Flask runs this before every ``before_request`` function: the app's own ones (the NUL
    check of site forms, Flask-WTF's CSRF check) read the form, which the app-wide body limit
    (1 MB) would refuse for a photo. The CSRF check itself still runs, on the whole form.
    """
    if endpoint != "media_site.create_upload":
        return
    if web_user() is None:
        raise Unauthorized("sign in to upload files", field="session")
    largest = services.configured_limits().request_bytes
    if (request.content_length or 0) > largest:
        raise _too_large()
    request.max_content_length = largest


def _too_large() -> services.TooLarge:
    largest = services.configured_limits().request_bytes
    return services.TooLarge(f"is larger than the limit of {largest // services.MB} MB")


def _json_error(errors: dict[str, list[str]], status: int) -> tuple[Response, int]:
    return jsonify(error_body(errors)), status


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> tuple[Response, int]:
    """Answer a refused upload (too large, not accepted, over quota) in JSON."""
    return _json_error(error.errors(), error.status_code)


@bp.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> tuple[Response, int]:
    """Answer a missing or stale CSRF token in JSON (the page needs a reload)."""
    return _json_error({"csrf_token": [str(error.description)]}, 400)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Response, int]:
    """Answer any other HTTP error of this route in JSON."""
    code = error.code or 500
    if code == 413:  # the body was longer than it said
        return domain_error(_too_large())
    return _json_error({"body": [str(error.description or error.name)]}, code)


@bp.post("/uploads")
def create_upload() -> tuple[dict[str, Any], int]:
    """Store the file in the ``file`` field for the signed-in user; answer like the API's 201."""
    user = web_user()
    assert user is not None  # see check_upload_request
    sent = request.files.get("file")
    if sent is None:
        raise Invalid("Missing data for required field.", field="file")
    upload = services.store_sent_file(owner=user, sent=sent)
    db.session.commit()
    body: dict[str, Any] = UploadOut().dump({"upload": upload_fields(upload)})
    return body, 201


# --------------------------------------------------------------------------- "My files"

# Pages (HTML errors), apart from ``bp`` whose every error is JSON for its ``fetch`` callers.
files_bp = Blueprint("media_files", __name__, template_folder="templates")
FILES_PER_PAGE = 25


def _signed_in() -> User:
    user = web_user()
    assert user is not None  # login_required
    return user


@files_bp.get("/settings/files")
@login_required
def my_files() -> ResponseReturnValue:
    """List your uploads, how much of your quota they use, and where they are shown."""
    user = _signed_in()
    number, page = requested_page(FILES_PER_PAGE)
    uploads = services.list_own_uploads(
        owner=user, page=PageRequest(limit=page.limit + 1, offset=page.offset)
    )
    if number > 1 and not uploads:
        abort(404)
    more, uploads = len(uploads) > page.limit, uploads[: page.limit]
    used, quota = services.used_bytes(owner=user), services.configured_limits().quota_bytes
    return render_template(
        "media/my_files.html",
        uploads=uploads,
        used_by=services.used_by(uploads=uploads),
        used=used,
        quota=quota,
        percent=min(100, used * 100 // quota) if quota else 100,
        page=number,
        more=more,
        media_url=media_url,
    )


@files_bp.route("/settings/files/<int:upload_id>/delete", methods=["GET", "POST"])
@login_required
def delete_my_file(upload_id: int) -> ResponseReturnValue:
    """Ask, then delete one of your uploads (someone else's is not found)."""
    upload = services.get_upload(upload_id=upload_id, viewer=_signed_in())
    if request.method == "GET":
        return render_template(
            "media/delete_my_file.html",
            upload=upload,
            used_by=services.used_by(uploads=[upload]).get(upload.id, []),
            media_url=media_url,
        )
    names = services.delete_upload(upload=upload)
    db.session.commit()
    services.purge_unused(names=names, storage=get_storage())
    flash(_("The file was deleted."), "success")
    return redirect(url_for("media_files.my_files"), code=303)
