"""RealWorld profile endpoints (read, follow, unfollow) and Inkstone's block and unblock."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.services import get_user_by_username
from inkstone.auth.tokens import current_user, signed_in_user, token_optional, token_required
from inkstone.core.cache import shared
from inkstone.extensions import db
from inkstone.profiles import services
from inkstone.profiles.schemas import ProfileOut

bp = APIBlueprint("profiles_api", __name__, tag="Profile")


@bp.get("/profiles/<username>")
@shared("api")
@token_optional
@bp.output(ProfileOut)
@bp.doc(responses=[404], operation_id="GetProfileByUsername")
def get_profile(username: str) -> dict[str, Any]:
    """Get a profile"""
    user = get_user_by_username(username=username)
    return {"profile": services.profile_of(user=user, viewer=current_user())}


@bp.post("/profiles/<username>/follow")
@token_required
@bp.output(ProfileOut)
@bp.doc(responses=[403, 404, 409, 413, 422], operation_id="FollowUserByUsername")
def follow(username: str) -> dict[str, Any]:
    """Follow a user

    Refused with 403 when they have blocked you, and with 409 when you have blocked them
    (unblock them first): `{"errors": {"profile": ["…"]}}`.
    """
    profile = services.follow(
        follower=signed_in_user(), followee=get_user_by_username(username=username)
    )
    db.session.commit()
    return {"profile": profile}


@bp.delete("/profiles/<username>/follow")
@token_required
@bp.output(ProfileOut)
@bp.doc(responses=[404], operation_id="UnfollowUserByUsername")
def unfollow(username: str) -> dict[str, Any]:
    """Unfollow a user"""
    profile = services.unfollow(
        follower=signed_in_user(), followee=get_user_by_username(username=username)
    )
    db.session.commit()
    return {"profile": profile}


@bp.post("/profiles/<username>/block")
@token_required
@bp.output(ProfileOut)
@bp.doc(responses=[404, 413, 422], operation_id="BlockUserByUsername")
def block(username: str) -> dict[str, Any]:
    """Block a user

    Inkstone extension. Ends the follows between you, both ways; they can no longer follow
    you and you get no notifications from them. Idempotent; blocking yourself is refused (422).
    """
    profile = services.block(
        blocker=signed_in_user(), blocked=get_user_by_username(username=username)
    )
    db.session.commit()
    return {"profile": profile}


@bp.delete("/profiles/<username>/block")
@token_required
@bp.output(ProfileOut)
@bp.doc(responses=[404], operation_id="UnblockUserByUsername")
def unblock(username: str) -> dict[str, Any]:
    """Unblock a user

    Inkstone extension. Idempotent; the follows the block ended are not restored.
    """
    profile = services.unblock(
        blocker=signed_in_user(), blocked=get_user_by_username(username=username)
    )
    db.session.commit()
    return {"profile": profile}
