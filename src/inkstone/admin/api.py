"""User administration and audit log endpoints (``users:manage`` / ``users:read`` holders)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.admin import services as admin_services
from inkstone.admin.schemas import (
    AdminUserListOut,
    AdminUserOut,
    AllAuditQuery,
    AuditEventListOut,
    AuditQuery,
    RolesIn,
    StatusIn,
    UserQuery,
    admin_user,
)
from inkstone.auth.access import require_scope
from inkstone.auth.audit import audit_log
from inkstone.auth.models import RoleName, UserStatus
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.errors import NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db

bp = APIBlueprint("users_api", __name__, tag="Users")


def _user_out(username: str) -> dict[str, Any]:
    return {"user": admin_user(admin_services.find_user(username=username))}


@bp.get("/users")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.input(UserQuery, location="query", arg_name="query")
@bp.output(AdminUserListOut)
@bp.doc(responses=[403], operation_id="ListUsers")
def list_users(query: dict[str, Any]) -> dict[str, Any]:
    """List user accounts

    Newest first; needs the `users:manage` permission. Filter by `status` (deleted accounts
    are listed only when asked for), `role`, or `q`: the start of the username or email
    address, in any case. Page with `limit` and `offset`.
    """
    status, role = query.get("status"), query.get("role")
    users, total = admin_services.list_users(
        page=PageRequest.from_query(query),
        status=UserStatus(status) if status else None,
        role=RoleName(role) if role else None,
        prefix=query.get("q"),
    )
    return {"users": [admin_user(user) for user in users], "users_count": total}


@bp.get("/users/<username>")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.output(AdminUserOut)
@bp.doc(responses=[403, 404], operation_id="GetUser")
def get_user(username: str) -> dict[str, Any]:
    """Get a user account

    Needs the `users:manage` permission.
    """
    return _user_out(username)


@bp.put("/users/<username>/roles")
@token_required
@require_scope(Scope.USERS_MANAGE, Scope.ROLES_MANAGE)
@bp.input(RolesIn, arg_name="body")
@bp.output(AdminUserOut)
@bp.doc(responses=[403, 404, 409, 413], operation_id="SetUserRoles")
def set_roles(username: str, body: dict[str, Any]) -> dict[str, Any]:
    """Set a user's roles

    Replaces every role the user holds; needs the `users:manage` and `roles:manage`
    permissions. A deleted account, and taking the admin role from the last admin who can
    sign in, give 409.
    """
    user = admin_services.find_user(username=username)
    roles = [RoleName(name) for name in body["roles"]]
    admin_services.change_roles(user=user, roles=roles, actor=signed_in_user())
    db.session.commit()
    return {"user": admin_user(user)}


@bp.put("/users/<username>/status")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.input(StatusIn, arg_name="body")
@bp.output(AdminUserOut)
@bp.doc(responses=[403, 404, 409, 413], operation_id="SetUserStatus")
def set_status(username: str, body: dict[str, Any]) -> dict[str, Any]:
    """Suspend or reinstate a user

    Needs the `users:manage` permission. Suspension signs the user out everywhere and
    revokes their API tokens at once. Your own status, a deleted account, and suspending the
    last admin who can sign in give 409.
    """
    user = admin_services.find_user(username=username)
    admin_services.change_status(
        user=user, status=UserStatus(body["status"]), actor=signed_in_user()
    )
    db.session.commit()
    return {"user": admin_user(user)}


@bp.get("/audit-events")
@token_required
@require_scope(Scope.USERS_READ)
@bp.input(AllAuditQuery, location="query", arg_name="query")
@bp.output(AuditEventListOut)
@bp.doc(tags=["Audit log"], responses=[403], operation_id="ListAuditEvents")
def list_audit_events(query: dict[str, Any]) -> dict[str, Any]:
    """List security events

    Newest first; needs the `users:read` permission. Filter by `user` (a username) and
    `event` (a kind); page with `limit` and `offset`. A page shorter than `limit` is the last.
    """
    subject = None
    if query.get("user"):
        try:
            subject = admin_services.find_user(username=query["user"])
        except NotFound:
            return {"audit_events": []}  # a filter naming nobody matches nothing
    events = audit_log(page=PageRequest.from_query(query), user=subject, event=query.get("event"))
    return {"audit_events": events}


@bp.get("/user/audit-events")
@token_required
@bp.input(AuditQuery, location="query", arg_name="query")
@bp.output(AuditEventListOut)
@bp.doc(tags=["Audit log"], operation_id="ListOwnAuditEvents")
def list_own_audit_events(query: dict[str, Any]) -> dict[str, Any]:
    """List your security events

    Sign-ins (and failed attempts), password and email changes, role and status changes:
    newest first. Where someone else acted (an admin), their address and browser are left
    out. Filter by `event`; page with `limit` and `offset`.
    """
    events = audit_log(
        page=PageRequest.from_query(query),
        user=signed_in_user(),
        event=query.get("event"),
        hide_others_clients=True,
    )
    return {"audit_events": events}
