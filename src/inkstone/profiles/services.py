"""The follow graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import bindparam, delete, select

from inkstone.auth.models import User
from inkstone.auth.usernames import is_deleted_username
from inkstone.core import events
from inkstone.core.db import reads
from inkstone.core.db.writes import insert_ignoring_conflicts
from inkstone.core.errors import Invalid
from inkstone.extensions import db
from inkstone.profiles.models import Follow


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


def follow(*, follower: User, followee: User) -> ProfileView:
    """Make ``follower`` follow ``followee`` (idempotent)."""
    if follower.id == followee.id:
        raise Invalid("you cannot follow yourself", field="username")
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
