"""Schemas of the uploads API: the multipart form, and an upload as its owner reads it."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Dict, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask import url_for

from inkstone.auth.models import USERNAME_MAX
from inkstone.core.schemas import OutputSchema, PageQuery, Timestamp
from inkstone.media.models import Upload, UploadKind

KINDS = [kind.value for kind in UploadKind]
SORT_NAMES = ["newest", "oldest", "largest", "smallest"]


class UploadIn(Schema):
    file = File(  # type: ignore[no-untyped-call]  # apiflask's File field is untyped
        required=True,
        metadata={
            "description": (
                "A PNG, JPEG, GIF or WebP image (re-encoded, metadata removed; 5 MB), or a "
                "PDF, UTF-8 text or zip attachment (20 MB). Checked by content, not by name."
            )
        },
    )


class UploadFields(Schema):
    id = String(required=True, metadata={"description": "The upload's id (a 64-bit integer)."})
    url = String(required=True, metadata={"description": "Where the file is served."})
    content_type = String(required=True, data_key="contentType")
    size = Integer(required=True, metadata={"description": "In bytes, as stored."})
    filename = String(required=True, metadata={"description": "The name it was sent with."})
    width = Integer(required=True, allow_none=True, metadata={"description": "`null` if no image."})
    height = Integer(required=True, allow_none=True)
    thumbnails = Dict(
        keys=String(),
        values=String(),
        required=True,
        metadata={
            "description": (
                'URLs by longest side, `{"96": …, "400": …, "1200": …}`; `{}` until the '
                "thumbnail task has run (and always for attachments). A size the image does "
                "not exceed gives the image itself."
            )
        },
    )
    created_at = Timestamp(required=True, data_key="createdAt")


class UploadOut(OutputSchema):
    upload = Nested(UploadFields, required=True)


def media_url(name: str) -> str:
    """Return the URL serving the blob ``name``."""
    return url_for("media.serve", name=name)


def upload_fields(upload: Upload) -> dict[str, Any]:
    """Return the fields of ``upload`` its owner reads."""
    return {
        "id": upload.id,
        "url": media_url(upload.blob_name),
        "content_type": upload.content_type,
        "size": upload.size,
        "filename": upload.filename,
        "width": upload.width,
        "height": upload.height,
        "thumbnails": {size: media_url(name) for size, name in upload.thumbnails.items()},
        "created_at": upload.created_at,
    }


# --------------------------------------------------------------------------- the back office


class AdminUploadQuery(PageQuery):
    owner = String(
        validate=Length(1, USERNAME_MAX * 4),
        metadata={"description": "Only the uploads of this username."},
    )
    kind = String(validate=OneOf(KINDS), metadata={"description": "Only images or attachments."})
    sort = String(
        load_default="newest",
        validate=OneOf(SORT_NAMES),
        metadata={"description": "`newest` (the default), `oldest`, `largest` or `smallest`."},
    )


class ArticleRef(Schema):
    slug = String(required=True)
    title = String(required=True)


class AdminUploadFields(UploadFields):
    owner = String(required=True, metadata={"description": "Its owner's username."})
    kind = String(required=True, metadata={"enum": KINDS})
    used_by = List(
        Nested(ArticleRef),
        required=True,
        data_key="usedBy",
        metadata={"description": "Up to 5 of its owner's articles that show it (by its URL)."},
    )
    owner_usage = Integer(
        required=True,
        data_key="ownerUsage",
        metadata={"description": "Bytes all its owner's uploads take (against `quota`)."},
    )
    quota = Integer(required=True, metadata={"description": "Bytes each person may upload."})


class AdminUploadListOut(OutputSchema):
    uploads = List(Nested(AdminUploadFields), required=True)


def admin_upload_fields(
    upload: Upload, *, owner: str, used_by: list[tuple[str, str]], owner_usage: int, quota: int
) -> dict[str, Any]:
    """Return the fields of anyone's upload the back office reads."""
    return {
        **upload_fields(upload),
        "owner": owner,
        "kind": upload.kind,
        "used_by": [{"slug": slug, "title": title} for slug, title in used_by],
        "owner_usage": owner_usage,
        "quota": quota,
    }
