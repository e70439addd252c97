"""What an account leaves in the follow graph when it is deleted: its follows, both ways."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from inkstone.auth.models import User
from inkstone.core import events
from inkstone.extensions import db
from inkstone.profiles.models import Follow
from inkstone.profiles.services import unfollow


def remove_account_follows(*, user: User, **_: Any) -> None:
    """Remove whom ``user`` follows and who follows them (counters kept by ``unfollow``)."""
    followees = select(Follow.followee_id).where(Follow.follower_id == user.id)
    for followee in list(db.session.scalars(select(User).where(User.id.in_(followees)))):
        unfollow(follower=user, followee=followee)
    followers = select(Follow.follower_id).where(Follow.followee_id == user.id)
    for follower in list(db.session.scalars(select(User).where(User.id.in_(followers)))):
        unfollow(follower=follower, followee=user)


def connect_cleanup() -> None:
    """Have account deletion call ``remove_account_follows``."""
    events.user_deleting.connect(remove_account_follows, when=events.IN_TRANSACTION)
