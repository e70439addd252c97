"""Notifications endpoints: the list, read marks and the preferences (the stream is ``stream``)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.notifications import live, services, text
from inkstone.notifications.schemas import (
    NotificationListOut,
    NotificationQuery,
    PreferencesIn,
    PreferencesOut,
    ReadIn,
    UnreadOut,
)

bp = APIBlueprint("notifications_api", __name__, tag="Notifications")


def notification_fields(view: services.NotificationView) -> dict[str, Any]:
    """Return the fields of one notification as the API shows it."""
    article = None
    if view.article_slug is not None:
        article = {"slug": view.article_slug, "title": view.article_title or ""}
    return {
        "id": view.id,
        "kind": view.kind.value,
        "read": view.read,
        "created_at": view.created_at,
        "actor": view.actor,
        "actor_count": view.actor_count,
        "article": article,
        "text": text.sentence(view),
        "url": text.target(view),
    }


@bp.get("/notifications")
@token_required
@bp.input(NotificationQuery, location="query", arg_name="query")
@bp.output(NotificationListOut)
@bp.doc(operation_id="ListNotifications")
def list_notifications(query: dict[str, Any]) -> dict[str, Any]:
    """List your notifications

    Newest first; page with `limit` and `offset`; `unread=true` for the unread ones only.
    `notificationsCount` counts them all (or all unread), `unreadCount` the unread ones.
    Favorites of one article are grouped while unread: `actorCount` says how many people.
    """
    user = signed_in_user()
    views, total = services.list_notifications(
        user=user, page=PageRequest.from_query(query), unread_only=query["unread"]
    )
    return {
        "notifications": [notification_fields(view) for view in views],
        "notifications_count": total,
        "unread_count": services.unread_count(user_id=user.id),
    }


@bp.post("/notifications/read")
@token_required
@bp.input(ReadIn, arg_name="body")
@bp.output(UnreadOut)
@bp.doc(responses=[413], operation_id="MarkNotificationsRead")
def mark_read(body: dict[str, Any]) -> dict[str, Any]:
    """Mark notifications read

    Send `{"ids": ["…"]}` for some, or `{"all": true}` for every one; not both. Ids that are
    not yours are passed over. Answers your unread count after.
    """
    user = signed_in_user()
    ids = [int(i) for i in body["ids"]] if "ids" in body else None
    services.mark_read(user=user, ids=ids)
    db.session.commit()
    live.announce([user.id])
    return {"unread_count": services.unread_count(user_id=user.id)}


def _preferences_out(chosen: dict[Any, Any]) -> dict[str, Any]:
    return {"preferences": {kind.value: channel.value for kind, channel in chosen.items()}}


@bp.get("/notifications/preferences")
@token_required
@bp.output(PreferencesOut)
@bp.doc(operation_id="GetNotificationPreferences")
def get_preferences() -> dict[str, Any]:
    """Get your notification preferences

    How each kind reaches you: `site`, `email` (at once, and on the site), `digest` (a daily
    mail at about 8 in your time zone, and on the site) or `off`.
    """
    return _preferences_out(services.preferences(user_id=signed_in_user().id))


@bp.put("/notifications/preferences")
@token_required
@bp.input(PreferencesIn, arg_name="body")
@bp.output(PreferencesOut)
@bp.doc(responses=[413], operation_id="UpdateNotificationPreferences")
def update_preferences(body: dict[str, Any]) -> dict[str, Any]:
    """Update your notification preferences

    Send the kinds to change; the others keep their channel. Answers every kind's channel.
    """
    chosen = services.set_preferences(user=signed_in_user(), choices=body["preferences"])
    db.session.commit()
    return _preferences_out(chosen)
