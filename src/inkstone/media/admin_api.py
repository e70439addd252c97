"""The back office's uploads endpoints: every upload (owner, use, quota), and deleting one."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.media import services
from inkstone.media.schemas import AdminUploadListOut, AdminUploadQuery, admin_upload_fields
from inkstone.media.storage import get_storage

bp = APIBlueprint("media_admin_api", __name__, tag="Back office: files")


@bp.get("/admin/uploads")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.input(AdminUploadQuery, location="query", arg_name="query")
@bp.output(AdminUploadListOut)
@bp.doc(responses=[403], operation_id="AdminListUploads")
def list_uploads(query: dict[str, Any]) -> dict[str, Any]:
    """List everyone's uploads

    Needs the `users:manage` permission. Filter by `owner` (a username) and `kind`; `sort`
    by date or size; page with `limit` and `offset`. Each upload names up to 5 of its
    owner's articles that show it (`usedBy`) and how much of the quota its owner uses.
    """
    rows = services.search_uploads(
        page=PageRequest.from_query(query),
        owner=query.get("owner"),
        kind=query.get("kind"),
        sort=query["sort"],
    )
    uploads = [upload for upload, _owner in rows]
    used = services.used_by(uploads=uploads)
    usage = services.usage_by_owner(owner_ids=[upload.owner_id for upload in uploads])
    quota = services.configured_limits().quota_bytes
    return {
        "uploads": [
            admin_upload_fields(
                upload,
                owner=owner,
                used_by=used.get(upload.id, []),
                owner_usage=usage.get(upload.owner_id, 0),
                quota=quota,
            )
            for upload, owner in rows
        ]
    }


@bp.delete("/admin/uploads/<int:upload_id>")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.output({}, status_code=204)
@bp.doc(responses=[403, 404], operation_id="AdminDeleteUpload")
def delete_upload(upload_id: int) -> tuple[str, int]:
    """Delete anyone's upload

    Needs the `users:manage` permission. Its file and thumbnails go unless another upload
    has the same content; articles that show it show a broken image. Logged as
    `upload.removed`, about the upload's owner.
    """
    upload = services.find_upload(upload_id=upload_id)
    names = services.remove_upload(upload=upload, actor=signed_in_user())
    db.session.commit()
    services.purge_unused(names=names, storage=get_storage())
    return "", 204
