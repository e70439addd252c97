"""Guestbook endpoints: read it, sign it, and (moderators) delete messages."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.tokens import current_user, signed_in_user, token_optional, token_required
from inkstone.core.pagination import PageRequest
from inkstone.core.schemas import PageQuery
from inkstone.extensions import db, limiter
from inkstone.guestbook import services
from inkstone.guestbook.schemas import MessageIn, MessageListOut, MessageOut, message_fields
from inkstone.guestbook.views import SIGNING_SCOPE, signing_limit

bp = APIBlueprint("guestbook_api", __name__, tag="Guestbook")


@bp.get("/guestbook")
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(MessageListOut)
@bp.doc(operation_id="GetGuestbookMessages")
def list_messages(query: dict[str, Any]) -> dict[str, Any]:
    """Get guestbook messages

    Newest first; page with `limit` and `offset`.
    """
    page = PageRequest.from_query(query)
    messages, total = services.list_messages(page=page)
    return {"messages": [message_fields(m) for m in messages], "messages_count": total}


@bp.post("/guestbook")
@limiter.shared_limit(signing_limit, scope=SIGNING_SCOPE)
@token_optional
@bp.input(MessageIn, arg_name="body")
@bp.output(MessageOut, status_code=201)
@bp.doc(responses=[403, 413, 429], operation_id="CreateGuestbookMessage")
def post_message(body: dict[str, Any]) -> dict[str, Any]:
    """Sign the guestbook

    Anyone may sign. With a token the message is linked to your account (which needs the
    `guestbook:write` permission) and `name` defaults to your username.
    """
    fields = body["message"]
    message = services.post_message(
        name=fields.get("name", ""), body=fields["body"], author=current_user()
    )
    db.session.commit()
    return {"message": message_fields(message)}


@bp.delete("/guestbook/<int:message_id>")
@token_required
@bp.output({}, status_code=204)
@bp.doc(responses=[403, 404], operation_id="DeleteGuestbookMessage")
def delete_message(message_id: int) -> tuple[str, int]:
    """Delete a guestbook message

    Needs the `guestbook:moderate` permission.
    """
    services.delete_message(message_id=message_id, actor=signed_in_user())
    db.session.commit()
    return "", 204
