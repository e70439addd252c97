"""The follow graph and the database constraints that hold it."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from inkstone.core.errors import Invalid
from inkstone.extensions import db
from inkstone.profiles import services
from inkstone.profiles.models import Follow
from tests.conftest import count_rows

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_follow_and_unfollow_are_idempotent(make_user):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    assert services.follow(follower=alice, followee=bob).following is True
    assert services.follow(follower=alice, followee=bob).following is True
    db.session.commit()
    assert count_rows(Follow) == 1
    assert services.unfollow(follower=alice, followee=bob).following is False
    assert services.unfollow(follower=alice, followee=bob).following is False
    db.session.commit()
    assert count_rows(Follow) == 0


def test_cannot_follow_yourself(make_user):
    alice = make_user(username="alice")
    with pytest.raises(Invalid) as caught:
        services.follow(follower=alice, followee=alice)
    assert caught.value.status_code == 422
    assert count_rows(Follow) == 0


def test_profile_following_flag_depends_on_the_viewer(make_user):
    alice, bob, carol = (make_user(username=n) for n in ("alice", "bob", "carol"))
    services.follow(follower=alice, followee=bob)
    assert services.profile_of(user=bob, viewer=alice).following is True
    assert services.profile_of(user=bob, viewer=carol).following is False
    assert services.profile_of(user=bob, viewer=None).following is False
    assert services.profile_of(user=alice, viewer=bob).following is False  # not symmetric


def test_following_ids_answers_for_many_users_at_once(make_user):
    alice, bob, carol, dave = (make_user(username=n) for n in ("alice", "bob", "carol", "dave"))
    services.follow(follower=alice, followee=bob)
    services.follow(follower=alice, followee=dave)
    among = [bob.id, carol.id, dave.id]
    assert services.following_ids(viewer=alice, among=among) == {bob.id, dave.id}
    assert services.following_ids(viewer=None, among=among) == set()
    assert services.following_ids(viewer=alice, among=[]) == set()


def test_database_rejects_a_self_follow(make_user):
    alice = make_user(username="alice")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(Follow).values(follower_id=alice.id, followee_id=alice.id))
    assert count_rows(Follow) == 0


def test_database_rejects_a_duplicate_follow(make_user):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    db.session.add(Follow(follower_id=alice.id, followee_id=bob.id))
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(insert(Follow).values(follower_id=alice.id, followee_id=bob.id))
    assert count_rows(Follow) == 1


def test_follows_go_with_the_user(make_user):
    alice, bob = make_user(username="alice"), make_user(username="bob")
    services.follow(follower=alice, followee=bob)
    services.follow(follower=bob, followee=alice)
    db.session.commit()
    db.session.delete(bob)
    db.session.commit()
    assert count_rows(Follow) == 0
