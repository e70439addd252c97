"""Two web processes share one cache: a write through one is read through the other at once.

Each process is the Procfile's gunicorn on the same instance folder and database, as two
hosts of a scaled site share them; on the file cache (embedded default) and on Redis.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.import_load import PASSWORD, call
from tests.conftest import require_service
from tests.server_helpers import web_server
from tests.worker_helpers import file_app

pytestmark = pytest.mark.slow
REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")


def _page(
    base: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def _redis_available() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.mark.parametrize("backend", ["filesystem", "redis"])
def test_a_write_through_one_process_is_read_through_the_other(tmp_path: Path, backend: str):
    settings = {"CACHE_TYPE": backend, "LOG_REQUESTS": "false"}
    if backend == "redis":
        require_service("Redis", _redis_available(), "set INKSTONE_TEST_REDIS_URL=redis://…")
        # Sessions, limits and the broker follow REDIS_URL too, as on a scaled site.
        settings["REDIS_URL"] = REDIS_URL
        settings["CACHE_TYPE"] = "redis"
    instance = tmp_path / "instance"
    file_app(instance)
    with web_server(instance, **settings) as one, web_server(instance, **settings) as two:
        user = {"username": "penwright", "email": "penwright@example.org", "password": PASSWORD}
        status, answer, _ = call(one, "POST", "/api/v1/users", {"user": user})
        assert status == 201
        token = answer["user"]["token"]
        article = {"title": "Written on one", "description": "d", "body": "First words."}
        status, answer, _ = call(one, "POST", "/api/v1/articles", {"article": article}, token)
        assert status == 201
        slug = answer["article"]["slug"]
        # Both processes have the page and the list cached now.
        for base in (one, two):
            for path in ("/", f"/article/{slug}", "/api/v1/articles"):
                _page(base, path)
        status, body, headers = _page(two, f"/article/{slug}")
        assert headers["X-Cache"] == "HIT"
        assert "First words." in body
        etag = headers["ETag"]
        # Edit through one; the very next read through the other shows it.
        change = {"article": {"body": "Second thoughts."}}
        status, _, _ = call(one, "PUT", f"/api/v1/articles/{slug}", change, token)
        assert status == 200
        status, body, headers = _page(two, f"/article/{slug}")
        assert "Second thoughts." in body
        assert headers["ETag"] != etag
        status, _, _ = _page(two, f"/article/{slug}", {"If-None-Match": etag})
        assert status == 200  # the old copy is not current any more
        status, _, headers = _page(two, f"/article/{slug}", {"If-None-Match": headers["ETag"]})
        assert status == 304
        # A new article through two is listed through one.
        article = {"title": "Written on two", "description": "d", "body": "b"}
        status, _, _ = call(two, "POST", "/api/v1/articles", {"article": article}, token)
        assert status == 201
        status, body, _ = _page(one, "/")
        assert "Written on two" in body
        status, answer, _ = call(one, "GET", "/api/v1/articles")
        assert [a["title"] for a in answer["articles"]] == ["Written on two", "Written on one"]
