"""What an account leaves in the follow graph when it is deleted: follows and blocks, both ways."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select

from inkstone.auth.models import User
from inkstone.core import events
from inkstone.extensions import db
from inkstone.profiles.models import Block, Follow
from inkstone.profiles.services import unfollow


def remove_account_follows(*, user: User, **_: Any) -> None:
    """Remove whom ``user`` follows and who follows them (counters kept by ``unfollow``),
    and their blocks, both ways."""
    followees = select(Follow.followee_id).where(Follow.follower_id == user.id)
    for followee in list(db.session.scalars(select(User).where(User.id.in_(followees)))):
        unfollow(follower=user, followee=followee)
    followers = select(Follow.follower_id).where(Follow.followee_id == user.id)
    for follower in list(db.session.scalars(select(User).where(User.id.in_(followers)))):
        unfollow(follower=follower, followee=user)
    # The row of a deleted account stays (renamed), so ON DELETE CASCADE does not apply.
    db.session.execute(
        delete(Block).where(or_(Block.blocker_id == user.id, Block.blocked_id == user.id))
    )


def connect_cleanup() -> None:
    """Have account deletion call ``remove_account_follows``."""
    events.user_deleting.connect(remove_account_follows, when=events.IN_TRANSACTION)
