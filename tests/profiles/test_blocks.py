"""Blocking people: services, the API, the profile and settings pages, account deletion."""

from __future__ import annotations

import re

import pytest

from inkstone.auth.models import User
from inkstone.core.errors import Conflict, Invalid, PermissionDenied
from inkstone.extensions import db
from inkstone.profiles import services
from inkstone.profiles.models import Block, Follow
from tests.conftest import count_rows, page_text


def _get(user: User) -> User:
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def test_block_ends_follows_both_ways_and_stops_following(app_ctx, make_user):
    me, them = _get(make_user()), _get(make_user())
    services.follow(follower=me, followee=them)
    services.follow(follower=them, followee=me)
    db.session.commit()
    services.block(blocker=me, blocked=them)
    services.block(blocker=me, blocked=them)  # idempotent
    db.session.commit()
    assert count_rows(Follow) == 0
    assert services.blocked_ids(user_id=me.id) == {them.id}
    assert services.blocked_ids(user_id=them.id) == set()
    assert services.is_blocked(blocker_id=me.id, blocked_id=them.id)
    with pytest.raises(PermissionDenied) as refused:
        services.follow(follower=them, followee=me)
    assert refused.value.errors() == {"profile": [services.BLOCKED_BY_THEM]}
    with pytest.raises(Conflict):
        services.follow(follower=me, followee=them)
    services.unblock(blocker=me, blocked=them)
    db.session.commit()
    assert services.blocked_ids(user_id=me.id) == set()
    services.follow(follower=them, followee=me)  # allowed again


def test_you_cannot_block_yourself(app_ctx, make_user):
    me = _get(make_user())
    with pytest.raises(Invalid):
        services.block(blocker=me, blocked=me)


def test_blocked_ids_is_one_query(app_ctx, make_user, count_queries):
    me = _get(make_user())
    for _ in range(3):
        services.block(blocker=me, blocked=_get(make_user()))
    db.session.commit()
    me_id = me.id
    with count_queries() as log:
        assert len(services.blocked_ids(user_id=me_id)) == 3
    assert len(log) == 1


def test_deleting_an_account_removes_its_blocks(app_ctx, make_user):
    from inkstone.core import events

    me, them = _get(make_user()), _get(make_user())
    services.block(blocker=me, blocked=them)
    services.block(blocker=them, blocked=me)
    db.session.flush()
    events.user_deleting.send(user=me, remove_content=False)
    db.session.commit()
    assert count_rows(Block) == 0


def test_the_api_blocks_and_unblocks(client, make_user, auth_headers):
    make_user(username="jake")
    reader = make_user(username="reader")
    headers = auth_headers(reader)
    assert client.post("/api/v1/profiles/jake/follow", headers=headers).status_code == 200
    response = client.post("/api/v1/profiles/jake/block", headers=headers)
    assert response.status_code == 200
    assert response.json["profile"]["username"] == "jake"
    assert response.json["profile"]["following"] is False
    again = client.post("/api/v1/profiles/jake/follow", headers=headers)
    assert again.status_code == 409
    assert again.json == {"errors": {"profile": [services.BLOCKED_BY_YOU]}, "code": "conflict"}
    assert client.delete("/api/v1/profiles/jake/block", headers=headers).status_code == 200
    assert client.post("/api/v1/profiles/jake/follow", headers=headers).status_code == 200
    assert client.post("/api/v1/profiles/reader/block", headers=headers).status_code == 422
    assert client.post("/api/v1/profiles/nobody/block", headers=headers).status_code == 404
    assert client.post("/api/v1/profiles/jake/block").status_code == 401


def test_the_blocked_person_gets_403_following(client, make_user, auth_headers):
    blocker = make_user(username="blocker")
    pest = make_user(username="pest")
    assert (
        client.post("/api/v1/profiles/pest/block", headers=auth_headers(blocker)).status_code == 200
    )
    response = client.post("/api/v1/profiles/blocker/follow", headers=auth_headers(pest))
    assert response.status_code == 403
    assert response.json == {
        "errors": {"profile": [services.BLOCKED_BY_THEM]},
        "code": "auth.forbidden",
    }


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_web_block_flow(client, make_user, sign_in):
    make_user(username="pest")
    me = make_user(username="me")
    sign_in(client, me)
    profile = page_text(client.get("/profile/pest"))
    assert 'href="/profile/pest/block"' in profile
    confirm = client.get("/profile/pest/block")
    assert confirm.status_code == 200
    response = client.post(
        "/profile/pest/block",
        data={"csrf_token": _token(page_text(confirm)), "next": "/profile/pest"},
    )
    assert response.status_code == 302
    listed = page_text(client.get("/settings/blocked"))
    assert 'href="/profile/pest"' in listed
    assert "/profile/pest/unblock" in listed
    settings = page_text(client.get("/settings"))
    assert 'href="/settings/blocked"' in settings
    # following someone you blocked: a flash, no follow
    follow = client.post(
        "/profile/pest/follow", data={"csrf_token": _token(listed), "next": "/profile/pest"}
    )
    assert follow.status_code == 302
    assert "unblock them to follow them" in page_text(client.get("/profile/pest"))
    unblock = client.post(
        "/profile/pest/unblock", data={"csrf_token": _token(listed), "next": "/settings/blocked"}
    )
    assert unblock.status_code == 302
    assert "You have not blocked anyone." in page_text(client.get("/settings/blocked"))


def test_blocking_pages_need_a_sign_in(client, make_user):
    make_user(username="pest")
    assert client.get("/settings/blocked").status_code == 302
    assert client.get("/profile/pest/block").status_code == 302
