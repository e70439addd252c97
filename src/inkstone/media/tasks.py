"""Upload tasks, run after the request has committed: thumbnails, purging unused blobs."""

from __future__ import annotations

from celery import shared_task

from inkstone.core.celery import RETRIED_ON_DATABASE_ERRORS
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.models import Upload
from inkstone.media.storage import get_storage


@shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
    name=services.MAKE_THUMBNAILS,
    **RETRIED_ON_DATABASE_ERRORS,
)
def make_thumbnails(upload_id: int) -> None:
    """Make the 96, 400 and 1200 pixel thumbnails of an image upload (idempotent)."""
    upload = db.session.get(Upload, upload_id)
    if upload is None:  # deleted before the worker got to it
        return
    try:
        services.fill_thumbnails(upload=upload, storage=get_storage())
    except FileNotFoundError:  # its blob went with a deletion meanwhile
        return


@shared_task(  # type: ignore[untyped-decorator]  # Celery is untyped
    name=services.PURGE_BLOBS,
    **RETRIED_ON_DATABASE_ERRORS,
)
def purge_blobs(names: list[str]) -> list[str]:
    """Delete the blobs in ``names`` that no upload uses any more (idempotent)."""
    return services.purge_unused(names=names, storage=get_storage())
