"""Uploads endpoints: send a file, look at it, delete it."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.schemas import UploadIn, UploadOut, upload_fields
from inkstone.media.storage import get_storage

bp = APIBlueprint("media_api", __name__, tag="Uploads")


@bp.before_request
def allow_large_bodies() -> None:
    """Let uploads read bodies past the app-wide limit, up to the largest file's; others not."""
    if request.endpoint != "media_api.create_upload":
        return
    if request.mimetype != "multipart/form-data":
        if (request.content_length or 0) > (request.max_content_length or 0) > 0:
            raise RequestEntityTooLarge()  # no file in it, yet too large as on every route
        return
    largest = services.configured_limits().request_bytes
    too_large = services.TooLarge(f"is larger than the limit of {largest // services.MB} MB")
    if (request.content_length or 0) > largest:
        raise too_large
    request.max_content_length = largest
    try:
        request.files  # noqa: B018  # parse now: a longer stream than it said is caught here
    except RequestEntityTooLarge as exc:
        raise too_large from exc


@bp.post("/uploads")
@token_required
@bp.input(UploadIn, location="files", arg_name="form")
@bp.output(UploadOut, status_code=201)
@bp.doc(responses=[401, 413, 422], operation_id="CreateUpload")
def create_upload(form: dict[str, Any]) -> dict[str, Any]:
    """Upload an image or an attachment

    Multipart form with one field, `file`. Images (PNG, JPEG, GIF, WebP; up to 5 MB and
    `MAX_IMAGE_PIXELS`) are decoded and re-encoded without their metadata (EXIF, comments);
    an animated GIF keeps its first frame. Attachments (PDF, UTF-8 text, zip; up to 20 MB) are
    stored as sent and served as downloads. Anything else, HTML or SVG included, is refused
    with 422; a file over its limit with 413; an upload past your quota with 422.
    Thumbnails are made in the background: `thumbnails` is `{}` until they are.
    """
    upload = services.store_sent_file(owner=signed_in_user(), sent=form["file"])
    db.session.commit()
    return {"upload": upload_fields(upload)}


@bp.get("/uploads/<int:upload_id>")
@token_required
@bp.output(UploadOut)
@bp.doc(responses=[404], operation_id="GetUpload")
def get_upload(upload_id: int) -> dict[str, Any]:
    """Get one of your uploads"""
    return {
        "upload": upload_fields(services.get_upload(upload_id=upload_id, viewer=signed_in_user()))
    }


@bp.delete("/uploads/<int:upload_id>")
@token_required
@bp.output({}, status_code=204)
@bp.doc(responses=[404], operation_id="DeleteUpload")
def delete_upload(upload_id: int) -> tuple[str, int]:
    """Delete one of your uploads

    Its file stays served while another upload has the same content.
    """
    upload = services.get_upload(upload_id=upload_id, viewer=signed_in_user())
    names = services.delete_upload(upload=upload)
    db.session.commit()
    services.purge_unused(names=names, storage=get_storage())
    return "", 204
