"""The follow graph."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, select

from inkstone.auth.models import User
from inkstone.auth.usernames import is_deleted_username
from inkstone.core import events
from inkstone.core.db import reads
from inkstone.core.db.writes import insert_ignoring_conflicts
from inkstone.core.errors import Conflict, Invalid, PermissionDenied
from inkstone.extensions import db
from inkstone.profiles.models import Block, Follow


class ProfileView(NamedTuple):
    """A user as another user (the viewer) sees them."""

    username: str
    bio: str
    image: str | None
    following: bool

    @classmethod
    def of(cls, user: User, *, following: bool) -> ProfileView:
        """Return the view of ``user`` with the viewer's ``following`` flag."""
        return cls(user.username, user.bio, user.image, following)

    @property
    def is_deleted(self) -> bool:
        """Tell whether this is a deleted account (shown with no name and no profile link)."""
        return is_deleted_username(self.username)


_FOLLOWED_AMONG = select(Follow.followee_id).where(
    Follow.follower_id == bindparam("viewer_id"),
    Follow.followee_id.in_(bindparam("ids", expanding=True)),
)


def following_ids(*, viewer: User | None, among: Iterable[int]) -> set[int]:
    """Return which of the users ``among`` the viewer follows, in one query."""
    ids = list(set(among))
    if viewer is None or not ids:
        return set()
    return set(reads.scalars(_FOLLOWED_AMONG, {"viewer_id": viewer.id, "ids": ids}))


def profile_of(*, user: User, viewer: User | None) -> ProfileView:
    """Return ``user``'s profile as ``viewer`` sees it."""
    return ProfileView.of(user, following=user.id in following_ids(viewer=viewer, among=[user.id]))


BLOCKED_BY_THEM = "this person has blocked you: you can't follow them"
BLOCKED_BY_YOU = "you have blocked this person: unblock them to follow them"
CANNOT_BLOCK_SELF = "you cannot block yourself"


def follow(*, follower: User, followee: User) -> ProfileView:
    """Make ``follower`` follow ``followee`` (idempotent).

    Refused between people one of whom blocked the other: ``PermissionDenied`` for the one
    blocked, ``Conflict`` for the one who blocked (they can unblock first).
    """
    if follower.id == followee.id:
        raise Invalid("you cannot follow yourself", field="username")
    if is_blocked(blocker_id=followee.id, blocked_id=follower.id):
        raise PermissionDenied(BLOCKED_BY_THEM, field="profile")
    if is_blocked(blocker_id=follower.id, blocked_id=followee.id):
        raise Conflict(BLOCKED_BY_YOU, field="profile")
    row = {"follower_id": follower.id, "followee_id": followee.id}
    if insert_ignoring_conflicts(Follow, row) == 1:
        events.user_followed.send(follower=follower, followee=followee)
    return ProfileView.of(followee, following=True)


def unfollow(*, follower: User, followee: User) -> ProfileView:
    """Make ``follower`` stop following ``followee`` (idempotent)."""
    stmt = delete(Follow).where(
        Follow.follower_id == follower.id, Follow.followee_id == followee.id
    )
    if db.session.execute(stmt).rowcount == 1:  # type: ignore[attr-defined]
        events.user_unfollowed.send(follower=follower, followee=followee)
    return ProfileView.of(followee, following=False)


# --------------------------------------------------------------------------- blocking

_BLOCKED_BY = select(Block.blocked_id).where(Block.blocker_id == bindparam("user_id"))
_ONE_BLOCK = select(Block.blocker_id).where(
    Block.blocker_id == bindparam("blocker_id"), Block.blocked_id == bindparam("blocked_id")
)


def blocked_ids(*, user_id: int) -> set[int]:
    """Return the ids of the people ``user_id`` has blocked (one primary-key range read)."""
    return set(reads.scalars(_BLOCKED_BY, {"user_id": user_id}))


def is_blocked(*, blocker_id: int, blocked_id: int) -> bool:
    """Tell whether ``blocker_id`` has blocked ``blocked_id`` (one primary-key look-up)."""
    params = {"blocker_id": blocker_id, "blocked_id": blocked_id}
    return reads.scalar(_ONE_BLOCK, params) is not None


def block(*, blocker: User, blocked: User) -> ProfileView:
    """Have ``blocker`` block ``blocked`` (idempotent).

    The follows between them go, both ways, through ``unfollow`` (so its events fire and the
    counters move); from then on ``blocked`` cannot follow ``blocker`` and notifications from
    them are dropped (``notifications`` reads ``blocked_ids``).
    """
    if blocker.id == blocked.id:
        raise Invalid(CANNOT_BLOCK_SELF, field="profile")
    insert_ignoring_conflicts(Block, {"blocker_id": blocker.id, "blocked_id": blocked.id})
    unfollow(follower=blocker, followee=blocked)
    unfollow(follower=blocked, followee=blocker)
    return ProfileView.of(blocked, following=False)


def unblock(*, blocker: User, blocked: User) -> ProfileView:
    """Have ``blocker`` stop blocking ``blocked`` (idempotent); follows are not restored."""
    db.session.execute(
        delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked.id)
    )
    return ProfileView.of(blocked, following=False)


BLOCKED_LIST_MAX = 500


def blocked_people(*, user: User, limit: int = BLOCKED_LIST_MAX) -> list[tuple[User, datetime]]:
    """Return the people ``user`` blocked with when, latest first (at most ``limit``)."""
    rows = db.session.execute(
        select(User, Block.created_at)
        .join(Block, Block.blocked_id == User.id)
        .where(Block.blocker_id == user.id)
        .order_by(Block.created_at.desc(), User.id.desc())
        .limit(limit)
    )
    return [(person, when) for person, when in rows]
