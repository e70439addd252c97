"""RealWorld profile endpoints: read, follow, unfollow."""

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
@bp.doc(responses=[404, 413, 422], operation_id="FollowUserByUsername")
def follow(username: str) -> dict[str, Any]:
    """Follow a user"""
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
