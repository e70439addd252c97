"""Cross-cutting HTTP behaviour: timestamps, request ids, errors, the /api alias, CORS, 413."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from inkstone.articles.models import Article
from inkstone.core.schemas import format_timestamp
from inkstone.extensions import db

ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# --------------------------------------------------------------------------- timestamps


def test_format_timestamp_converts_to_utc_with_milliseconds():
    plus_two = timezone(timedelta(hours=2))
    value = datetime(2024, 2, 29, 1, 30, 5, 123_999, tzinfo=plus_two)
    assert format_timestamp(value) == "2024-02-28T23:30:05.123Z"
    assert format_timestamp(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01T00:00:00.000Z"


def test_api_timestamps_are_iso8601_utc_with_milliseconds(app, client, make_user, make_article):
    article = make_article(make_user(), title="Timestamps")
    body = client.get(f"/api/v1/articles/{article.slug}").json["article"]
    for key in ("createdAt", "updatedAt"):
        assert ISO_MS_Z.match(body[key]), body[key]
    with app.app_context():
        stored = db.session.get(Article, article.id).created_at
    shown = datetime.strptime(body["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert shown == stored.replace(microsecond=stored.microsecond // 1000 * 1000)


# --------------------------------------------------------------------------- request ids


@pytest.mark.parametrize("path", ["/api/v1/tags", "/api/v1/articles/no-such-article", "/"])
def test_valid_request_id_is_echoed(client, path):
    response = client.get(path, headers={"X-Request-ID": "req-42.abc_DEF"})
    assert response.headers["X-Request-ID"] == "req-42.abc_DEF"


@pytest.mark.parametrize("incoming", [None, "", "has spaces", "x" * 65, "<script>", "semi;colon"])
def test_missing_or_invalid_request_id_is_replaced(client, incoming):
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    response = client.get("/api/v1/tags", headers=headers)
    generated = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert generated != incoming


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/api/v1/tags").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


# --------------------------------------------------------------------------- errors


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert set(response.json) == {"errors", "code"}
    assert response.json["code"] == "not_found"
    assert all(isinstance(v, list) for v in response.json["errors"].values())


def test_api_method_not_allowed_is_json(client):
    response = client.post("/api/v1/tags")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert "errors" in response.json


def test_site_errors_are_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"404" in response.data
    assert b'"errors"' not in response.data


# --------------------------------------------------------------------------- /api alias


@pytest.mark.parametrize("path", ["/tags", "/articles", "/articles?limit=1", "/profiles/nobody"])
def test_api_alias_serves_the_same_as_v1(client, make_user, make_article, path):
    make_article(make_user(username="writer"), title="Alias", tag_list=["alias"])
    canonical = client.get(f"/api/v1{path}")
    alias = client.get(f"/api{path}")
    assert alias.status_code == canonical.status_code
    assert alias.json == canonical.json


def test_api_alias_accepts_writes(client):
    payload = {
        "user": {
            "username": "aliased",
            "email": "aliased@example.org",
            "password": "aliased and long enough",
        }
    }
    response = client.post("/api/users", json=payload)
    assert response.status_code == 201
    token = response.json["user"]["token"]
    me = client.get("/api/v1/user", headers={"Authorization": f"Token {token}"})
    assert me.json["user"]["username"] == "aliased"


# --------------------------------------------------------------------------- CORS


def test_cors_headers_on_the_api(client):
    response = client.get("/api/v1/tags", headers={"Origin": "https://conduit.example"})
    assert response.headers["Access-Control-Allow-Origin"] in {"*", "https://conduit.example"}
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_allows_token_auth(client):
    response = client.options(
        "/api/v1/articles",
        headers={
            "Origin": "https://conduit.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] in {"*", "https://conduit.example"}
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed


@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page"])
def test_no_cors_headers_outside_the_api(client, path):
    response = client.get(path, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


# --------------------------------------------------------------------------- body size


def test_body_over_the_limit_is_413_json(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/api/v1/users",
        data=b"{" + b" " * limit + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/json"
    assert response.json == {
        "errors": {"body": [f"request body is larger than the limit of {limit} bytes"]},
        "code": "request.too_large",
    }


def test_body_at_the_limit_is_read(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    payload = b'{"user": {}}'
    response = client.post(
        "/api/v1/users",
        data=payload + b" " * (limit - len(payload)),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422  # parsed (and found incomplete), not refused as too big


def test_healthz_says_the_process_answers(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_names_each_service_it_needs(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    # The test app has no Redis; its broker is the embedded SQLite one.
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "broker": "ok",
    }
