"""Uploads: accept a file (checked by content, sized, within quota), find, delete, thumbnail."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import UnaryExpression, func, select
from werkzeug.datastructures import FileStorage

from inkstone.articles.models import Article
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User
from inkstone.auth.usernames import canonical
from inkstone.core.celery import enqueue_after_commit, task_named
from inkstone.core.db import like
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import DomainError, Invalid, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.media import images
from inkstone.media.models import FILENAME_MAX, Upload, UploadKind
from inkstone.media.storage import CONTENT_TYPES, Storage, extension_of, get_storage

MB = 1024 * 1024

# Tasks this module sends by name (``media.tasks`` defines them and imports this module).
MAKE_THUMBNAILS = "inkstone.media.make_thumbnails"
PURGE_BLOBS = "inkstone.media.purge_blobs"


class TooLarge(DomainError):
    """The file is larger than its kind may be."""

    status_code = 413
    default_field = "file"


@dataclass(frozen=True)
class Limits:
    """How big a file and a user's uploads may be, and how many pixels an image may have."""

    image_bytes: int
    attachment_bytes: int
    quota_bytes: int
    max_pixels: int

    @property
    def request_bytes(self) -> int:
        """Return the largest body worth reading (the largest file, plus the form around it)."""
        return max(self.image_bytes, self.attachment_bytes) + 64 * 1024


def configured_limits() -> Limits:
    """Return the upload limits of the current app's settings."""
    config = current_app.config
    return Limits(
        image_bytes=config["MAX_IMAGE_BYTES"],
        attachment_bytes=config["MAX_ATTACHMENT_BYTES"],
        quota_bytes=config["UPLOAD_QUOTA_BYTES"],
        max_pixels=config["MAX_IMAGE_PIXELS"],
    )


def store_sent_file(*, owner: User, sent: FileStorage) -> Upload:
    """Read a file sent in a form (never past the largest allowed) and store it for ``owner``."""
    limits = configured_limits()
    return create_upload(
        owner=owner,
        data=sent.stream.read(limits.request_bytes + 1),
        filename=sent.filename,
        content_type=sent.mimetype,
        limits=limits,
        storage=get_storage(),
    )


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"


def clean_filename(name: str | None) -> str:
    """Return a display name: no folders, no control characters, at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[-FILENAME_MAX:] if len(base) > FILENAME_MAX else base


def _claims_image(filename: str, content_type: str | None) -> bool:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    named = extension in {"png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "ico"}
    return named or (content_type or "").lower().startswith("image/")


def used_bytes(*, owner: User) -> int:
    """Return how many bytes ``owner``'s uploads take (each counted, shared content or not)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Upload.size), 0)).where(Upload.owner_id == owner.id)
    )
    return int(total or 0)


def create_upload(
    *,
    owner: User,
    data: bytes,
    filename: str | None,
    content_type: str | None,
    limits: Limits,
    storage: Storage,
) -> Upload:
    """Check ``data`` by its content, store it once per content, and record the upload."""
    name = clean_filename(filename)
    if not data:
        raise Invalid("is empty", field="file")
    if len(data) > limits.attachment_bytes and len(data) > limits.image_bytes:
        limit = max(limits.attachment_bytes, limits.image_bytes)
        raise TooLarge(f"is larger than the limit of {_megabytes(limit)}")
    if images.looks_like_image(data) and len(data) > limits.image_bytes:
        raise TooLarge(f"is an image larger than the limit of {_megabytes(limits.image_bytes)}")
    clean = images.clean_file(
        data, max_pixels=limits.max_pixels, claims_image=_claims_image(name, content_type)
    )
    if not clean.is_image and len(clean.data) > limits.attachment_bytes:
        most = _megabytes(limits.attachment_bytes)
        raise TooLarge(f"is an attachment larger than the limit of {most}")
    used = used_bytes(owner=owner)
    if used + len(clean.data) > limits.quota_bytes:
        raise Invalid(
            f"would take your uploads over your quota of {_megabytes(limits.quota_bytes)} "
            f"(you use {_megabytes(used)}); delete some uploads first",
            field="file",
        )
    digest = hashlib.sha256(clean.data).hexdigest()
    blob = f"{digest}.{clean.extension}"
    storage.save(blob, clean.data)
    upload = Upload(
        owner_id=owner.id,
        kind=(UploadKind.IMAGE if clean.is_image else UploadKind.ATTACHMENT).value,
        content_type=CONTENT_TYPES[clean.extension].split(";")[0],
        size=len(clean.data),
        sha256=digest,
        blob_name=blob,
        filename=name,
        width=clean.width,
        height=clean.height,
        thumbnails=_existing_thumbnails(digest),
    )
    db.session.add(upload)
    db.session.flush()
    if upload.kind == UploadKind.IMAGE and not upload.thumbnails:
        enqueue_after_commit(task_named(MAKE_THUMBNAILS), upload.id)
    return upload


def _existing_thumbnails(digest: str) -> dict[str, str]:
    """Return the thumbnails another upload of the same content has already (or ``{}``)."""
    for thumbnails in db.session.scalars(select(Upload.thumbnails).where(Upload.sha256 == digest)):
        if thumbnails:
            return dict(thumbnails)
    return {}


def get_upload(*, upload_id: int, viewer: User) -> Upload:
    """Return the upload ``upload_id`` if ``viewer`` owns it; ``NotFound`` otherwise."""
    # Ids are signed 64-bit: a larger number names nothing (and the driver would refuse it).
    upload = db.session.get(Upload, upload_id) if is_possible_id(upload_id) else None
    if upload is None or upload.owner_id != viewer.id:
        raise NotFound("upload not found", field="upload")
    return upload


def delete_upload(*, upload: Upload) -> list[str]:
    """Delete ``upload``; return its blobs, to purge once the deletion is committed."""
    names = [upload.blob_name, *upload.thumbnails.values()]
    db.session.delete(upload)
    db.session.flush()
    return sorted(set(names))


def purge_unused(*, names: Iterable[str], storage: Storage) -> list[str]:
    """Delete the blobs in ``names`` that no upload uses any more; return the ones deleted."""
    gone = []
    for name in names:
        digest = name.split(".", 1)[0].split("-", 1)[0]
        in_use = db.session.scalar(select(Upload.id).where(Upload.sha256 == digest).limit(1))
        if in_use is None:
            storage.delete(name)
            gone.append(name)
    return gone


def fill_thumbnails(*, upload: Upload, storage: Storage) -> dict[str, str]:
    """Make the missing thumbnails of ``upload`` (never larger than the image) and record them."""
    if upload.kind != UploadKind.IMAGE:
        return {}
    with storage.open(upload.blob_name) as source:
        data = source.read()
    extension = extension_of(upload.blob_name)
    made = dict(upload.thumbnails)
    missing = [
        size
        for size in images.THUMBNAIL_SIZES
        if not (str(size) in made and storage.exists(made[str(size)]))
    ]
    for size, small in images.make_thumbnails(data, sizes=missing).items():
        if small is None:  # already this small: the image is its own thumbnail
            made[str(size)] = upload.blob_name
            continue
        name = f"{upload.sha256}-{size}.{extension}"
        storage.save(name, small[0])
        made[str(size)] = name
    upload.thumbnails = made
    db.session.flush()
    return made


# --------------------------------------------------------------------------- the back office

SORTS: dict[str, tuple[UnaryExpression[Any], UnaryExpression[Any]]] = {
    "newest": (Upload.created_at.desc(), Upload.id.desc()),
    "oldest": (Upload.created_at.asc(), Upload.id.asc()),
    "largest": (Upload.size.desc(), Upload.id.desc()),
    "smallest": (Upload.size.asc(), Upload.id.asc()),
}
USED_BY_SHOWN = 5  # articles named per upload: enough to tell whether it is in use


def search_uploads(
    *,
    page: PageRequest,
    owner: str | None = None,
    kind: str | None = None,
    sort: str = "newest",
) -> list[tuple[Upload, str]]:
    """Return one page of everyone's uploads with their owners' usernames.

    ``owner`` is a username (any case; an unknown one matches nothing), ``kind`` ``image`` or
    ``attachment``, ``sort`` one of ``SORTS``.
    """
    query = select(Upload, User.username).join(User, User.id == Upload.owner_id)
    if owner:
        query = query.where(User.username_key == canonical(owner))
    if kind:
        query = query.where(Upload.kind == kind)
    query = query.order_by(*SORTS.get(sort, SORTS["newest"]))
    rows = db.session.execute(query.limit(page.limit).offset(page.offset))
    return [(upload, username) for upload, username in rows]


def list_own_uploads(*, owner: User, page: PageRequest) -> list[Upload]:
    """Return one page of ``owner``'s uploads, newest first."""
    query = (
        select(Upload)
        .where(Upload.owner_id == owner.id)
        .order_by(Upload.created_at.desc(), Upload.id.desc())
    )
    return list(db.session.scalars(query.limit(page.limit).offset(page.offset)))


def used_by(*, uploads: Iterable[Upload]) -> dict[int, list[tuple[str, str]]]:
    """Return, for each upload, up to ``USED_BY_SHOWN`` (slug, title) of articles showing it.

    An article shows an upload when its Markdown links ``/media/<sha256>…`` (the file or one
    of its thumbnails, as ``cleanup`` reads them). Only its owner's articles are searched,
    through the author's index: one bounded query per upload, whatever the number of
    articles on the site.
    """
    found: dict[int, list[tuple[str, str]]] = {}
    for upload in uploads:
        pattern = like.contains(f"/media/{upload.sha256}")
        rows = db.session.execute(
            select(Article.slug, Article.title)
            .where(
                Article.author_id == upload.owner_id, Article.body.like(pattern, escape=like.ESCAPE)
            )
            .order_by(Article.id.desc())
            .limit(USED_BY_SHOWN)
        )
        found[upload.id] = [(slug, title) for slug, title in rows]
    return found


def usage_by_owner(*, owner_ids: Iterable[int]) -> dict[int, int]:
    """Return how many bytes each of these people's uploads take."""
    ids = sorted(set(owner_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Upload.owner_id, func.sum(Upload.size))
        .where(Upload.owner_id.in_(ids))
        .group_by(Upload.owner_id)
    )
    return {owner_id: int(total or 0) for owner_id, total in rows}


def heaviest_users(*, limit: int = 10) -> list[tuple[str, int]]:
    """Return the usernames whose uploads take the most room, with the bytes they take."""
    total = func.sum(Upload.size).label("total")
    rows = db.session.execute(
        select(User.username, total)
        .join(User, User.id == Upload.owner_id)
        .group_by(User.id, User.username)
        .order_by(total.desc())
        .limit(limit)
    )
    return [(username, int(used or 0)) for username, used in rows]


def find_upload(*, upload_id: int) -> Upload:
    """Return anyone's upload (the back office's); ``NotFound`` for none or an impossible id."""
    upload = db.session.get(Upload, upload_id) if is_possible_id(upload_id) else None
    if upload is None:
        raise NotFound("upload not found", field="upload")
    return upload


def remove_upload(*, upload: Upload, actor: User) -> list[str]:
    """Delete anyone's upload as ``actor`` and log it; return the blobs to purge after commit."""
    owner = db.session.get(User, upload.owner_id)
    record_event(
        Event.UPLOAD_REMOVED,
        user=owner,
        actor=actor,
        upload=str(upload.id),
        filename=upload.filename,
        size=upload.size,
    )
    return delete_upload(upload=upload)
