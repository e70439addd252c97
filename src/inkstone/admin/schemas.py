"""Schemas of the user administration and audit log API: what admins send and read.

Admin-only fields (email, status, roles, last sign-in) live here, apart from the RealWorld
user and profile shapes, so they cannot leak through those.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from marshmallow import ValidationError, validates_schema

from inkstone.admin.services import BULK_MAX, BulkAction, Outcome, Sort
from inkstone.auth.audit import Event
from inkstone.auth.models import EMAIL_MAX, USERNAME_MAX, RoleName, User, UserStatus
from inkstone.core.schemas import InputSchema, OutputSchema, PageQuery, TextOrEmpty, Timestamp

ROLE_NAMES = [role.value for role in RoleName]
# What an admin may set; "deleted" is the account deletion's business, "unverified" the
# confirmation link's.
SETTABLE_STATUSES = [UserStatus.ACTIVE.value, UserStatus.SUSPENDED.value]
EVENT_NAMES = [event.value for event in Event]


class UserQuery(PageQuery):
    status = String(
        validate=OneOf([status.value for status in UserStatus]),
        metadata={"description": "Only accounts in this state (default: all but deleted ones)."},
    )
    role = String(validate=OneOf(ROLE_NAMES), metadata={"description": "Only holders of a role."})
    q = String(
        validate=Length(1, EMAIL_MAX),
        metadata={"description": "The start of the username or email address (any case)."},
    )


class AdminUserFields(Schema):
    id = String(required=True, metadata={"description": "The account's id (a 64-bit integer)."})
    username = String(required=True)
    email = String(required=True)
    bio = TextOrEmpty(required=True)
    image = TextOrEmpty(required=True)
    status = String(required=True, metadata={"enum": [status.value for status in UserStatus]})
    roles = List(String(), required=True, metadata={"description": "Role names, sorted."})
    created_at = Timestamp(required=True, data_key="createdAt")
    last_login_at = Timestamp(
        required=True,
        allow_none=True,
        data_key="lastLoginAt",
        metadata={"description": "The last successful sign-in; `null`: never."},
    )
    email_confirmed = Boolean(
        required=True,
        data_key="emailConfirmed",
        metadata={"description": "Whether the address was confirmed through its link."},
    )


class AdminUserOut(OutputSchema):
    user = Nested(AdminUserFields, required=True)


class AdminUserListOut(OutputSchema):
    users = List(Nested(AdminUserFields), required=True)
    users_count = Integer(required=True, data_key="usersCount")


def admin_user(user: User) -> dict[str, Any]:
    """Return the fields of ``user`` an admin reads (roles sorted, confirmation as a flag)."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "bio": user.bio,
        "image": user.image,
        "status": user.status,
        "roles": sorted(user.role_names),
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "email_confirmed": user.email_confirmed_at is not None,
    }


class RolesIn(InputSchema):
    roles = List(
        String(validate=OneOf(ROLE_NAMES)),
        required=True,
        validate=Length(1, len(ROLE_NAMES)),
        metadata={"description": "Every role the user is to hold (this replaces them all)."},
    )


class StatusIn(InputSchema):
    status = String(
        required=True,
        validate=OneOf(SETTABLE_STATUSES),
        metadata={"description": "`suspended` signs the user out everywhere at once."},
    )


class AuditQuery(PageQuery):
    event = String(validate=OneOf(EVENT_NAMES), metadata={"description": "Only this kind."})


class AllAuditQuery(AuditQuery):
    user = String(
        validate=Length(1, USERNAME_MAX * 4),
        metadata={"description": "Only events about this username."},
    )


class AuditEventFields(Schema):
    id = String(required=True, metadata={"description": "The event's id (a 64-bit integer)."})
    event = String(required=True, metadata={"enum": EVENT_NAMES})
    created_at = Timestamp(required=True, data_key="createdAt")
    user = String(
        required=True,
        allow_none=True,
        metadata={"description": "The account it is about; `null`: none (an unknown email)."},
    )
    actor = String(
        required=True,
        allow_none=True,
        metadata={"description": "Who did it, when someone else did (an admin); else `null`."},
    )
    ip = String(required=True)
    user_agent = String(required=True, data_key="userAgent")
    detail = Dict(required=True, metadata={"description": "What else is known, by kind."})


class AuditEventListOut(OutputSchema):
    audit_events = List(Nested(AuditEventFields), required=True, data_key="auditEvents")


# --------------------------------------------------------------------------- the back office

SORTS = [sort.value for sort in Sort]
BULK_ACTIONS = [action.value for action in BulkAction]


class DirectoryQuery(PageQuery):
    q = String(
        validate=Length(1, EMAIL_MAX),
        metadata={"description": "Any part of the username or email address (any case)."},
    )
    status = String(
        validate=OneOf([status.value for status in UserStatus]),
        metadata={"description": "Only accounts in this state (default: all but deleted ones)."},
    )
    role = String(validate=OneOf(ROLE_NAMES), metadata={"description": "Only holders of a role."})
    confirmed = Boolean(
        metadata={"description": "Only accounts whose address is (`true`) or is not confirmed."}
    )
    sort = String(
        load_default=Sort.NEWEST.value,
        validate=OneOf(SORTS),
        metadata={
            "description": "The order: newest (default), oldest, username, last sign-in, "
            "or most published articles first."
        },
    )


class DeleteQuery(InputSchema):
    content = String(
        load_default="keep",
        validate=OneOf(["keep", "remove"]),
        metadata={
            "description": "`keep` (default): their articles and comments stay, under "
            '"deleted user"; `remove`: they go with the account.'
        },
    )


class BulkIn(InputSchema):
    usernames = List(
        String(validate=Length(1, USERNAME_MAX * 4)),
        required=True,
        validate=Length(1, BULK_MAX),
        metadata={"description": f"The people to act on (at most {BULK_MAX})."},
    )
    action = String(required=True, validate=OneOf(BULK_ACTIONS))
    role = String(
        validate=OneOf(ROLE_NAMES),
        metadata={"description": "For `set-role`: the one role each person is to hold."},
    )

    @validates_schema
    def role_for_set_role(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuse ``set-role`` without the role to give."""
        if data.get("action") == BulkAction.SET_ROLE and not data.get("role"):
            raise ValidationError({"role": ["choose the role to give"]})


class BulkResultFields(Schema):
    username = String(required=True)
    ok = Boolean(required=True, metadata={"description": "Whether the action applied."})
    user = Nested(
        AdminUserFields,
        required=True,
        allow_none=True,
        metadata={"description": "The account after the action; `null`: no such username."},
    )
    errors = Dict(
        keys=String(),
        values=List(String()),
        required=True,
        allow_none=True,
        metadata={"description": "Why it did not apply (`null` when it did)."},
    )


class BulkOut(OutputSchema):
    results = List(Nested(BulkResultFields), required=True)


def bulk_result(outcome: Outcome) -> dict[str, Any]:
    """Return what a bulk action did to one person, as the API says it."""
    return {
        "username": outcome.username,
        "ok": outcome.ok,
        "user": admin_user(outcome.user) if outcome.user is not None else None,
        "errors": outcome.error.errors() if outcome.error is not None else None,
    }
