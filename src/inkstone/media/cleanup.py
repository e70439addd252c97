"""What an account leaves in uploads when it is deleted: its files, but for those still shown.

With ``remove_content`` every upload goes. Otherwise the articles and comments stay (under
"deleted user"), and so do the uploads they show: an upload is kept when a kept article or
comment body of the account names its blob or one of its thumbnails (``/media/<name>``).
The rest goes, the avatar's upload included (the deletion clears the avatar).

Rows are deleted in the deletion's transaction; the blobs are purged by a task sent only once
it commits (``enqueue_after_commit``), and only those no other upload shares.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, literal, or_, select

from inkstone.articles.models import Article, Comment
from inkstone.auth.models import User
from inkstone.core import events
from inkstone.core.celery import enqueue_after_commit
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.models import Upload
from inkstone.media.tasks import purge_blobs


def _shown_by_kept_content(user: User) -> ColumnElement[bool]:
    """Return the condition that a kept article or comment of ``user`` shows the upload.

    Every blob of an upload is named after its content's digest (``<sha256>.<ext>``, its
    thumbnails ``<sha256>-<size>.<ext>``, see ``storage``), so ``/media/<sha256>`` finds a
    link to the upload or to any of its thumbnails in one LIKE. A digest is lowercase hex:
    nothing in the pattern is a LIKE wildcard, and no other blob's name starts with it.
    """
    pattern = literal("%/media/") + Upload.sha256 + literal("%")
    in_article = exists().where(Article.author_id == user.id, Article.body.like(pattern))
    in_comment = exists().where(Comment.author_id == user.id, Comment.body.like(pattern))
    return or_(in_article, in_comment)


def remove_account_uploads(*, user: User, remove_content: bool, **_: Any) -> None:
    """Delete ``user``'s uploads (those kept content shows stay unless ``remove_content``).

    Their blobs are purged after the deletion commits, when no other upload uses them.
    """
    query = select(Upload).where(Upload.owner_id == user.id)
    if not remove_content:
        query = query.where(~_shown_by_kept_content(user))
    names: set[str] = set()
    for upload in list(db.session.scalars(query.order_by(Upload.id))):
        names.update(services.delete_upload(upload=upload))
    if names:
        enqueue_after_commit(purge_blobs, sorted(names))


def connect_cleanup() -> None:
    """Have account deletion call ``remove_account_uploads``."""
    events.user_deleting.connect(remove_account_uploads, when=events.IN_TRANSACTION)
