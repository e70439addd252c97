"""RealWorld profile endpoints."""

from __future__ import annotations

import pytest

PROFILE_KEYS = {"username", "bio", "image", "following"}


def test_get_profile(client, make_user):
    make_user(username="Jake", bio="I work at statefarm", image="https://i.im/j.jpg")
    response = client.get("/api/v1/profiles/jake")  # usernames match whatever their case
    assert response.status_code == 200
    assert response.json == {
        "profile": {
            "username": "Jake",
            "bio": "I work at statefarm",
            "image": "https://i.im/j.jpg",
            "following": False,
        }
    }


def test_unknown_profile_is_404_json(client):
    response = client.get("/api/v1/profiles/nobody")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json == {"errors": {"username": ["profile not found"]}, "code": "not_found"}


def test_deleted_user_has_no_profile(client, make_user):
    make_user(username="gone", status="deleted")
    assert client.get("/api/v1/profiles/gone").status_code == 404


@pytest.mark.parametrize("method", ["post", "delete"])
def test_follow_unknown_user_is_404(client, make_user, auth_headers, method):
    user = make_user()
    response = getattr(client, method)("/api/v1/profiles/nobody/follow", headers=auth_headers(user))
    assert response.status_code == 404
    assert "errors" in response.json


@pytest.mark.parametrize("method", ["post", "delete"])
def test_follow_needs_a_token(client, make_user, method):
    make_user(username="jake")
    assert getattr(client, method)("/api/v1/profiles/jake/follow").status_code == 401


def test_follow_and_unfollow_are_idempotent(client, make_user, auth_headers):
    make_user(username="jake")
    headers = auth_headers(make_user(username="reader"))
    for _ in range(2):
        response = client.post("/api/v1/profiles/jake/follow", headers=headers)
        assert response.status_code == 200
        assert set(response.json["profile"]) == PROFILE_KEYS
        assert response.json["profile"]["following"] is True
    assert client.get("/api/v1/profiles/jake", headers=headers).json["profile"]["following"]
    for _ in range(2):
        response = client.delete("/api/v1/profiles/jake/follow", headers=headers)
        assert response.status_code == 200
        assert response.json["profile"]["following"] is False
    assert not client.get("/api/v1/profiles/jake", headers=headers).json["profile"]["following"]


def test_cannot_follow_yourself(client, make_user, auth_headers):
    jake = make_user(username="jake")
    response = client.post("/api/v1/profiles/jake/follow", headers=auth_headers(jake))
    assert response.status_code == 422
    assert response.json == {
        "errors": {"username": ["you cannot follow yourself"]},
        "code": "request.invalid",
    }


def test_following_flag_is_per_viewer(client, make_user, auth_headers):
    make_user(username="jake")
    fan, stranger = make_user(username="fan"), make_user(username="stranger")
    client.post("/api/v1/profiles/jake/follow", headers=auth_headers(fan))

    def following(headers=None):
        return client.get("/api/v1/profiles/jake", headers=headers).json["profile"]["following"]

    assert following(auth_headers(fan)) is True
    assert following(auth_headers(stranger)) is False
    assert following() is False


def test_content_type_json_on_delete_without_a_body_works(client, make_user, auth_headers):
    make_user(username="jake")
    headers = {**auth_headers(make_user()), "Content-Type": "application/json"}
    assert client.post("/api/v1/profiles/jake/follow", headers=headers).status_code == 200
    response = client.delete("/api/v1/profiles/jake/follow", headers=headers)
    assert response.status_code == 200
    assert response.json["profile"]["following"] is False
