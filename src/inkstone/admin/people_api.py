"""The back office's people endpoints: the directory, a person's actions, bulk actions.

The same services as the people pages, under the same scopes (``users:manage``; giving a role
in bulk ``roles:manage`` too), every change audited with the caller as its actor.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.admin import services as admin_services
from inkstone.admin.schemas import (
    AdminUserListOut,
    AdminUserOut,
    BulkIn,
    BulkOut,
    DeleteQuery,
    DirectoryQuery,
    admin_user,
    bulk_result,
)
from inkstone.admin.services import BulkAction, Sort, UserFilter
from inkstone.auth.access import require_scope
from inkstone.auth.models import USERNAME_MAX, RoleName, User, UserStatus
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.errors import NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db

bp = APIBlueprint("admin_people_api", __name__, tag="Back office: people")


def _person(username: str) -> User:
    if len(username) > USERNAME_MAX * 4:
        raise NotFound(admin_services.USER_NOT_FOUND, field="username")
    return admin_services.find_user(username=username)


@bp.get("/admin/users")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.input(DirectoryQuery, location="query", arg_name="query")
@bp.output(AdminUserListOut)
@bp.doc(responses=[403], operation_id="AdminListUsers")
def list_users(query: dict[str, Any]) -> dict[str, Any]:
    """Search user accounts

    Needs the `users:manage` permission. `q` matches any part of the username or email
    address, in any case; filter by `status` (deleted accounts are listed only when asked
    for), `role` and `confirmed`; order with `sort`; page with `limit` and `offset`. The
    answer has the shape of `GET /users`.
    """
    status, role = query.get("status"), query.get("role")
    which = UserFilter(
        status=UserStatus(status) if status else None,
        role=RoleName(role) if role else None,
        contains=query.get("q"),
        confirmed=query.get("confirmed"),
        sort=Sort(query["sort"]),
    )
    users, total = admin_services.list_users(page=PageRequest.from_query(query), which=which)
    return {"users": [admin_user(user) for user in users], "users_count": total}


@bp.post("/admin/users/<username>/sign-out")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.output(AdminUserOut)
@bp.doc(responses=[403, 404, 409], operation_id="AdminSignOutUser")
def sign_out_everywhere(username: str) -> dict[str, Any]:
    """Sign a user out everywhere

    Ends every web session and API token of the user at once; needs the `users:manage`
    permission. A deleted account gives 409.
    """
    user = admin_services.sign_out_everywhere(user=_person(username), actor=signed_in_user())
    db.session.commit()
    return {"user": admin_user(user)}


@bp.post("/admin/users/<username>/password-reset")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.output(AdminUserOut)
@bp.doc(responses=[403, 404, 409], operation_id="AdminSendPasswordReset")
def send_password_reset(username: str) -> dict[str, Any]:
    """Mail a user a password-reset link

    The link lets them choose a new password (the current one keeps working until then);
    needs the `users:manage` permission. An account that cannot sign in (suspended,
    deleted) gives 409.
    """
    user = admin_services.send_password_reset(user=_person(username), actor=signed_in_user())
    db.session.commit()
    return {"user": admin_user(user)}


@bp.post("/admin/users/<username>/confirmation")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.output(AdminUserOut)
@bp.doc(responses=[403, 404, 409], operation_id="AdminResendConfirmation")
def resend_confirmation(username: str) -> dict[str, Any]:
    """Mail a user a new confirmation link

    For an address not yet confirmed; needs the `users:manage` permission. A confirmed
    address, or an account that cannot sign in, gives 409.
    """
    user = admin_services.resend_confirmation(user=_person(username), actor=signed_in_user())
    db.session.commit()
    return {"user": admin_user(user)}


@bp.delete("/admin/users/<username>")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.input(DeleteQuery, location="query", arg_name="query")
@bp.output({}, status_code=204)
@bp.doc(responses=[403, 404, 409], operation_id="AdminDeleteUser")
def delete_user(username: str, query: dict[str, Any]) -> tuple[str, int]:
    """Delete a user account

    Scrubs the account (its username and address are free again) and ends its sessions and
    tokens; `content=remove` removes its articles and comments too, `keep` (the default)
    leaves them under "deleted user". Needs the `users:manage` permission. Your own account,
    the last admin who can sign in, and an account already deleted give 409.
    """
    admin_services.delete_person(
        user=_person(username), remove_content=query["content"] == "remove", actor=signed_in_user()
    )
    db.session.commit()
    return "", 204


@bp.post("/admin/users/bulk")
@token_required
@require_scope(Scope.USERS_MANAGE)
@bp.input(BulkIn, arg_name="body")
@bp.output(BulkOut)
@bp.doc(responses=[403, 413], operation_id="AdminBulkUsers")
def bulk(body: dict[str, Any]) -> dict[str, Any]:
    """Suspend, reinstate or set the role of several users

    Needs the `users:manage` permission, and `roles:manage` for `set-role` (which gives
    each person exactly `role`). Each person gets a result: one who cannot be changed (you,
    a deleted account, the last admin who can sign in, an unknown username) is left as they
    were, with the reason in `errors`; the others still change. `reinstate` leaves anyone not
    suspended as they are.
    """
    role = body.get("role")
    outcomes = admin_services.apply_bulk(
        usernames=body["usernames"],
        action=BulkAction(body["action"]),
        role=RoleName(role) if role else None,
        actor=signed_in_user(),
    )
    db.session.commit()
    return {"results": [bulk_result(outcome) for outcome in outcomes]}
