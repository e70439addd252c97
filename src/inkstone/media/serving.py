"""Serving stored files: ``/media/<name>``, by this app or through nginx (X-Accel-Redirect)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, send_file

from inkstone.media.storage import (
    ATTACHMENT_EXTENSIONS,
    CONTENT_TYPES,
    extension_of,
    get_storage,
    is_blob_name,
)

bp = Blueprint("media", __name__)

# Names are the content's sha256: the bytes behind a URL never change.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@bp.get("/media/<name>")
def serve(name: str) -> Response:
    """Send a stored file with its content type; attachments as downloads."""
    storage = get_storage()
    if not is_blob_name(name) or not storage.exists(name):
        abort(404)
    extension = extension_of(name)
    accel = current_app.config["MEDIA_ACCEL_REDIRECT"]
    if accel:
        response = Response(b"")
        response.headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + name
    else:
        path = storage.path(name)
        source = path if path is not None else storage.open(name)
        response = send_file(source, mimetype=CONTENT_TYPES[extension], conditional=True)
    response.headers["Content-Type"] = CONTENT_TYPES[extension]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = CACHE_CONTROL
    if extension in ATTACHMENT_EXTENSIONS:
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        response.headers.pop("Content-Disposition", None)
    return response
