"""/media/<name>: headers, nginx hand-off, and names that try to leave the folder."""

from __future__ import annotations

import pytest

from tests.media.conftest import fetch, image_bytes


@pytest.fixture
def uploaded(send, make_user, auth_headers):
    return send(image_bytes("PNG", (30, 30)), auth_headers(make_user())).json["upload"]


def test_files_are_served_with_safe_long_lived_headers(client, uploaded):
    response = fetch(client, uploaded["url"])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response.headers["Cache-Control"]
    assert "Content-Disposition" not in response.headers


def test_nginx_sends_the_bytes_when_accel_redirect_is_set(client, app, uploaded, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ACCEL_REDIRECT", "/protected-media/")
    name = uploaded["url"].rsplit("/", 1)[-1]

    response = fetch(client, uploaded["url"])

    assert response.status_code == 200
    assert response.headers["X-Accel-Redirect"] == f"/protected-media/{name}"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == b""


@pytest.mark.parametrize(
    "path",
    [
        "/media/../instance/inkstone.db",
        "/media/%2e%2e",
        "/media/%2e%2e%2finkstone.db",
        "/media/..%2f..%2fsecret_key",
        "/media/inkstone.db",
        "/media/" + "0" * 64 + ".png",
        "/media/" + "0" * 64 + ".html",
    ],
)
def test_names_outside_the_store_are_not_found(client, path):
    assert client.get(path).status_code == 404
