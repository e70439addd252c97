"""POST /uploads: the site's upload route, signed in by the session and guarded by CSRF."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token
from tests.media.conftest import fetch, image_bytes


def post_file(
    client: FlaskClient,
    data: bytes | None,
    token: str | None,
    filename: str = "photo.png",
    content_type: str = "image/png",
    extra: dict[str, str] | None = None,
) -> Any:
    """POST ``data`` as the field ``file`` to /uploads, with ``token`` in X-CSRFToken."""
    fields: MultiDict[str, Any] = MultiDict(extra or {})
    if data is not None:
        fields.add("file", FileStorage(io.BytesIO(data), filename, content_type=content_type))
    boundary, body = encode_multipart(fields)
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(
        "/uploads",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def writer(client, make_user, sign_in):
    user = make_user("writer")
    sign_in(client, user)
    return user


@pytest.fixture
def token(client, writer):
    return csrf_token(client, "/editor")


def test_a_signed_in_writer_uploads_an_image_and_gets_its_url(client, token):
    response = post_file(client, image_bytes("PNG", (600, 300)), token)

    assert response.status_code == 201, response.json
    upload = response.json["upload"]
    assert upload["contentType"] == "image/png"
    assert (upload["width"], upload["height"]) == (600, 300)
    assert upload["filename"] == "photo.png"
    assert upload["id"].isdigit()
    assert upload["createdAt"].endswith("Z")
    assert upload["url"].startswith("/media/")
    assert set(upload["thumbnails"]) == {"96", "400", "1200"}
    assert fetch(client, upload["url"]).status_code == 200
    assert fetch(client, upload["thumbnails"]["400"]).status_code == 200


def test_an_attachment_upload_is_served_as_a_download(client, token):
    response = post_file(client, b"%PDF-1.4\n%fake\n", token, "notes.pdf", "application/pdf")

    assert response.status_code == 201, response.json
    upload = response.json["upload"]
    assert upload["contentType"] == "application/pdf"
    assert upload["width"] is None
    assert upload["thumbnails"] == {}
    served = fetch(client, upload["url"])
    assert served.headers["Content-Disposition"].startswith("attachment")


def test_the_token_may_come_as_a_form_field(client, token):
    response = post_file(client, image_bytes(), None, extra={"csrf_token": token})

    assert response.status_code == 201, response.json


def test_without_a_csrf_token_nothing_is_stored(client, writer):
    response = post_file(client, image_bytes(), None)

    assert response.status_code == 400
    assert "csrf_token" in response.json["errors"]


def test_a_wrong_csrf_token_is_refused(client, token):
    response = post_file(client, image_bytes(), "not-the-token")

    assert response.status_code == 400
    assert "csrf_token" in response.json["errors"]


def test_a_stranger_cannot_upload(client):
    response = post_file(client, image_bytes(), None)

    assert response.status_code == 401
    assert response.json["errors"]


def test_html_is_refused_with_a_reason(client, token):
    response = post_file(client, b"<html><script>1</script></html>", token, "x.html", "text/html")

    assert response.status_code == 422
    assert response.json["errors"]["file"] == ["HTML, SVG and XML files are not accepted"]


def test_a_missing_file_is_refused(client, token):
    response = post_file(client, None, token, extra={"other": "x"})

    assert response.status_code == 422
    assert "file" in response.json["errors"]


def test_an_image_over_the_limit_is_refused_with_413(client, token, app):
    limit = app.config["MAX_IMAGE_BYTES"]
    big = image_bytes("PNG", (8, 8)) + b"\x00" * limit  # a PNG start, padded past the limit

    response = post_file(client, big, token)

    assert response.status_code == 413, response.json
    assert "larger than the limit" in response.json["errors"]["file"][0]


def test_an_image_larger_than_the_site_body_limit_is_accepted(client, token, app):
    # The site's other forms stop at MAX_CONTENT_LENGTH; images may be larger.
    noise = Image.frombytes("RGB", (700, 700), random.randbytes(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > app.config["MAX_CONTENT_LENGTH"]

    response = post_file(client, out.getvalue(), token)

    assert response.status_code == 201, response.json


def test_an_uploaded_image_shows_in_the_published_article(client, token, writer):
    url = post_file(client, image_bytes(), token).json["upload"]["url"]

    response = client.post(
        "/editor",
        data={
            "csrf_token": token,
            "title": "With a picture",
            "description": "A picture",
            "body": f"Look:\n\n![a red square]({url})",
            "tags": "",
            "action": "publish",
        },
    )
    assert response.status_code in (302, 303)
    article = client.get(response.headers["Location"])
    assert f'<img src="{url}" alt="a red square">' in article.get_data(as_text=True)


def test_a_body_larger_than_any_file_may_be_is_refused_before_it_is_read(
    client, token, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 1000)
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1000)

    response = post_file(client, b"a" * 200_000, token, "notes.txt", "text/plain")

    assert response.status_code == 413
    assert response.json["errors"]["file"] == ["is larger than the limit of 0 MB"]
