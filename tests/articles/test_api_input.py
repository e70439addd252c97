"""Bad input never gives a 500 and never half-writes: every case is a clear 4xx JSON error."""

from __future__ import annotations

import pytest

from inkstone.articles.models import Article, Tag
from tests.conftest import count_rows

JSON = {"Content-Type": "application/json"}
VALID_ARTICLE = {"title": "Title", "description": "d", "body": "b"}


@pytest.fixture
def writer(make_user, auth_headers):
    return {**auth_headers(make_user(username="writer")), **JSON}


def assert_json_error(response, status=422, field=None):
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    errors = response.json["errors"]
    assert errors
    assert all(isinstance(k, str) for k in errors)
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())
    if field is not None:
        assert field in errors, errors


def assert_nothing_written(app):
    with app.app_context():
        assert count_rows(Article) == 0
        assert count_rows(Tag) == 0


# --------------------------------------------------------------------------- bodies


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"article": ',
        b"not json at all",
        b"\xff\xfe\x00garbage",
        '{"article": {"title": "caf\u00e9"}}'.encode("latin-1"),  # not UTF-8
        b'{"article": {"title": "\\ud800"}}',  # lone surrogate
        b'{"article": {"title": 1e99999}}',
        b'{"article": {"title": 123456789012345678901234567890}}',
        b"",
        b"null",
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/articles", "/api/v1/users", "/api/v1/users/login"])
def test_malformed_bodies_are_422_json(app, client, writer, raw, path):
    response = client.post(path, data=raw, headers=writer)
    assert_json_error(response)
    assert_nothing_written(app)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "article"),
        ({"title": "x", "description": "d", "body": "b"}, "article"),  # no root key
        ({"Article": VALID_ARTICLE}, "article"),
        ([], "body"),
        ("article", "body"),
        (42, "body"),
        ({"article": None}, "article"),
        ({"article": []}, "article"),
        ({"article": "text"}, "article"),
        ({"article": {**VALID_ARTICLE, "title": 123}}, "title"),
        ({"article": {**VALID_ARTICLE, "title": ["a"]}}, "title"),
        ({"article": {**VALID_ARTICLE, "body": {"nested": True}}}, "body"),
        ({"article": {**VALID_ARTICLE, "tagList": "dragons"}}, "tagList"),
        ({"article": {**VALID_ARTICLE, "tagList": [1, 2]}}, "tagList.0"),
        ({"article": {**VALID_ARTICLE, "tagList": [None]}}, "tagList.0"),
        ({"article": {**VALID_ARTICLE, "tagList": ["ok", "x" * 41]}}, "tagList.1"),
        ({"article": {**VALID_ARTICLE, "tagList": [f"t{i}" for i in range(11)]}}, "tagList"),
        ({"article": {**VALID_ARTICLE, "title": ""}}, "title"),
        ({"article": {**VALID_ARTICLE, "title": "t" * 201}}, "title"),
        ({"article": {**VALID_ARTICLE, "description": "d" * 501}}, "description"),
        ({"article": {**VALID_ARTICLE, "body": "b" * 100_001}}, "body"),
        ({"article": {"description": "d", "body": "b"}}, "title"),
    ],
)
def test_invalid_article_bodies_are_422_and_write_nothing(app, client, writer, payload, field):
    response = client.post("/api/v1/articles", json=payload, headers=writer)
    assert_json_error(response, field=field)
    assert_nothing_written(app)


@pytest.mark.parametrize("value", [[], "text", 5])
def test_wrong_type_for_the_root_key_names_the_root_key(client, writer, value):
    response = client.post("/api/v1/articles", json={"article": value}, headers=writer)
    assert_json_error(response, field="article")
    assert "_schema" not in response.json["errors"]


def test_fields_at_their_maximum_are_accepted(client, writer):
    article = {
        "title": "t" * 200,
        "description": "d" * 500,
        "body": "b" * 100_000,
        "tagList": [f"{i}" + "x" * 39 for i in range(10)],
    }
    response = client.post("/api/v1/articles", json={"article": article}, headers=writer)
    assert response.status_code == 201
    assert len(response.json["article"]["tagList"]) == 10


def test_update_with_invalid_fields_changes_nothing(client, writer):
    slug = client.post(
        "/api/v1/articles", json={"article": {**VALID_ARTICLE, "tagList": ["a"]}}, headers=writer
    ).json["article"]["slug"]
    for change in ({"title": "t" * 201}, {"body": 5}, {"tagList": "a"}, {"title": None}):
        response = client.put(
            f"/api/v1/articles/{slug}",
            json={"article": {"body": "new body", **change}},
            headers=writer,
        )
        assert_json_error(response)
    article = client.get(f"/api/v1/articles/{slug}").json["article"]
    assert (article["title"], article["body"], article["tagList"]) == ("Title", "b", ["a"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "comment"),
        ({"body": "no root"}, "comment"),
        ({"comment": {}}, "body"),
        ({"comment": {"body": ""}}, "body"),
        ({"comment": {"body": 7}}, "body"),
        ({"comment": {"body": "c" * 10_001}}, "body"),
    ],
)
def test_invalid_comments_are_422(client, writer, payload, field):
    slug = client.post("/api/v1/articles", json={"article": VALID_ARTICLE}, headers=writer).json[
        "article"
    ]["slug"]
    response = client.post(f"/api/v1/articles/{slug}/comments", json=payload, headers=writer)
    assert_json_error(response, field=field)
    assert client.get(f"/api/v1/articles/{slug}/comments").json == {"comments": []}


def test_blank_comment_is_422(client, writer):
    slug = client.post("/api/v1/articles", json={"article": VALID_ARTICLE}, headers=writer).json[
        "article"
    ]["slug"]
    response = client.post(
        f"/api/v1/articles/{slug}/comments", json={"comment": {"body": "   "}}, headers=writer
    )
    assert_json_error(response, field="body")


@pytest.mark.parametrize(
    "payload",
    [
        {"user": {"email": 5, "password": "x"}},
        {"user": {"email": "a@b.co"}},
        {"user": {"email": "a@b.co", "password": ["x"]}},
        {"user": {"email": "e" * 300, "password": "x"}},
        {"user": {"email": "a@b.co", "password": "p" * 129}},
        {"email": "a@b.co", "password": "x"},
    ],
)
def test_invalid_login_bodies_are_422(client, payload):
    assert_json_error(client.post("/api/v1/users/login", json=payload, headers=JSON))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bio": "b" * 1001}, "bio"),
        ({"image": "i" * 2049}, "image"),
        ({"email": "nope"}, "email"),
        ({"username": ""}, "username"),
        ({"password": "short"}, "password"),
        ({"bio": 5}, "bio"),
    ],
)
def test_invalid_user_updates_are_422(client, writer, change, field):
    response = client.put("/api/v1/user", json={"user": change}, headers=writer)
    assert_json_error(response, field=field)
    assert client.get("/api/v1/user", headers=writer).json["user"]["bio"] == ""


# --------------------------------------------------------------------------- query strings


@pytest.mark.parametrize(
    "query",
    [
        "limit=-1",
        "limit=0",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit=99999999999999999999999999",
        "offset=-1",
        "offset=x",
        "offset=99999999999999999999999999",
        "offset=1e3",
        "limit=%00",
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/articles", "/api/v1/articles/feed"])
def test_bad_paging_parameters_are_422(client, writer, path, query):
    response = client.get(f"{path}?{query}", headers=writer)
    assert_json_error(response)
    assert set(response.json["errors"]) <= {"limit", "offset"}


@pytest.mark.parametrize("query", ["tag=" + "t" * 500, "author=" + "a" * 500, "favorited="])
def test_over_long_or_empty_filters_are_422(client, query):
    assert_json_error(client.get(f"/api/v1/articles?{query}"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/%F0%9F%90%89",
        "/api/v1/articles/%ff%fe",
        "/api/v1/profiles/%ff",
        "/api/v1/profiles/" + "u" * 1000,
        "/api/v1/articles/x/comments/abc",
    ],
)
def test_odd_paths_are_404_json(client, path):
    assert_json_error(client.get(path) if "comments" not in path else client.delete(path), 404)


def test_non_json_content_type_is_refused_cleanly(client, writer):
    headers = {**writer, "Content-Type": "text/plain"}
    response = client.post("/api/v1/articles", data="title=x", headers=headers)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/json"
    assert "errors" in response.json


def test_options_on_the_feed_offers_only_what_the_feed_answers(client):
    # /articles/<slug> matched "feed" as a slug, and OPTIONS offered PUT and DELETE there.
    allowed = set(client.options("/api/v1/articles/feed").headers["Allow"].split(", "))
    assert allowed == {"GET", "HEAD", "OPTIONS"}
    article = set(client.options("/api/v1/articles/any-slug").headers["Allow"].split(", "))
    assert {"PUT", "DELETE"} <= article
