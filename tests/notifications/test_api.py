"""The notifications API: shapes, paging, read marks, preferences, and 4xx for bad input."""

from __future__ import annotations

import pytest

from inkstone.notifications import services
from inkstone.notifications.models import Kind


def _follow(client, auth_headers, follower, name="ana") -> None:
    assert (
        client.post(f"/api/v1/profiles/{name}/follow", headers=auth_headers(follower)).status_code
        == 200
    )


def test_the_list_is_paged_and_counted(client, ana, make_user, auth_headers, inbox):
    for n in range(3):
        _follow(client, auth_headers, make_user(f"f{n}"))
    body = inbox(ana, "?limit=2")
    assert body["notificationsCount"] == 3
    assert body["unreadCount"] == 3
    assert [i["actor"]["username"] for i in body["notifications"]] == ["f2", "f1"]
    assert [i["actor"]["username"] for i in inbox(ana, "?limit=2&offset=2")["notifications"]] == [
        "f0"
    ]
    item = body["notifications"][0]
    assert isinstance(item["id"], str)
    assert item["createdAt"].endswith("Z")
    assert set(item) == {
        "id", "kind", "read", "createdAt", "actor", "actorCount", "article", "text", "url"
    }  # fmt: skip


def test_mark_some_or_all_read(client, ana, ben, cai, auth_headers, inbox):
    _follow(client, auth_headers, ben)
    _follow(client, auth_headers, cai)
    first = inbox(ana)["notifications"][0]["id"]
    headers = auth_headers(ana)
    some = client.post("/api/v1/notifications/read", json={"ids": [first]}, headers=headers)
    assert some.status_code == 200
    assert some.json == {"unreadCount": 1}
    assert inbox(ana, "?unread=true")["notificationsCount"] == 1
    assert [i["read"] for i in inbox(ana)["notifications"]] == [True, False]
    every = client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert every.json == {"unreadCount": 0}


def test_someone_elses_ids_are_passed_over(client, ana, ben, auth_headers, inbox):
    _follow(client, auth_headers, ben)
    hers = inbox(ana)["notifications"][0]["id"]
    response = client.post(
        "/api/v1/notifications/read", json={"ids": [hers]}, headers=auth_headers(ben)
    )
    assert response.status_code == 200
    assert inbox(ana)["unreadCount"] == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"all": False},
        {"all": True, "ids": ["1"]},
        {"ids": []},
        {"ids": ["abc"]},
        {"ids": [12]},
        {"ids": ["9" * 40]},
        {"all": "yes"},
        {"ids": "1"},
        [1, 2],
        "garbage",
    ],
)
def test_bad_read_bodies_are_422(client, ana, auth_headers, payload):
    response = client.post("/api/v1/notifications/read", json=payload, headers=auth_headers(ana))
    assert response.status_code in (400, 422), response.json
    assert "errors" in response.json


def test_malformed_json_is_a_4xx(client, ana, auth_headers):
    response = client.post(
        "/api/v1/notifications/read",
        data=b"{not json",
        headers={**auth_headers(ana), "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500


def test_preferences_read_and_write(client, ana, auth_headers):
    headers = auth_headers(ana)
    got = client.get("/api/v1/notifications/preferences", headers=headers)
    assert got.status_code == 200
    assert got.json["preferences"] == {k.value: services.DEFAULT_CHANNELS[k].value for k in Kind}
    put = client.put(
        "/api/v1/notifications/preferences",
        json={"preferences": {"comment": "digest", "favorite": "off"}},
        headers=headers,
    )
    assert put.status_code == 200
    assert put.json["preferences"]["comment"] == "digest"
    assert put.json["preferences"]["favorite"] == "off"
    assert put.json["preferences"]["follow"] == "site"  # untouched
    again = client.get("/api/v1/notifications/preferences", headers=headers)
    assert again.json == put.json


@pytest.mark.parametrize(
    "payload",
    [
        {"preferences": {"pigeon": "site"}},
        {"preferences": {"comment": "carrier"}},
        {"preferences": {"comment": 1}},
        {"preferences": "site"},
        {},
    ],
)
def test_unknown_kinds_or_channels_are_422(client, ana, auth_headers, payload):
    response = client.put(
        "/api/v1/notifications/preferences", json=payload, headers=auth_headers(ana)
    )
    assert response.status_code == 422
    assert "errors" in response.json


def test_everything_needs_a_token(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/read", json={"all": True}).status_code == 401
    assert client.get("/api/v1/notifications/preferences").status_code == 401
    assert client.put("/api/v1/notifications/preferences", json={}).status_code == 401


@pytest.mark.parametrize("query", ["?limit=0", "?limit=abc", "?offset=-1", "?unread=maybe"])
def test_bad_list_queries_are_422(client, ana, auth_headers, query):
    response = client.get(f"/api/v1/notifications{query}", headers=auth_headers(ana))
    assert response.status_code == 422


def test_the_spec_documents_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path, method in (
        ("/notifications", "get"),
        ("/notifications/read", "post"),
        ("/notifications/preferences", "get"),
        ("/notifications/preferences", "put"),
    ):
        operation = paths[path][method]
        assert "Notifications" in operation["tags"]
        assert "401" in operation["responses"]
        if method != "get":
            assert "422" in operation["responses"]
