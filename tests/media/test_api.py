"""POST/GET/DELETE /api/v1/uploads: what is accepted, how it is cleaned, who may see it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.media.conftest import UPLOADS, fetch, image_bytes, png_declaring


@pytest.fixture
def alice(make_user, auth_headers):
    return auth_headers(make_user("alice"))


def _blobs(app, sha: str) -> list[Path]:
    return sorted((Path(app.instance_path) / "uploads").glob(f"{sha}*"))


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_an_image_upload_answers_with_the_upload(send, client, alice, fmt, content_type):
    response = send(image_bytes(fmt, (300, 200)), alice, filename=f"photo.{fmt.lower()}")

    assert response.status_code == 201, response.json
    upload = response.json["upload"]
    assert upload["contentType"] == content_type
    assert (upload["width"], upload["height"]) == (300, 200)
    assert upload["filename"] == f"photo.{fmt.lower()}"
    assert upload["id"].isdigit()
    served = fetch(client, upload["url"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == content_type
    assert len(served.data) == upload["size"]
    assert Image.open(io.BytesIO(served.data)).format == fmt


def test_thumbnails_are_made_at_each_size_never_larger_than_the_image(send, client, alice):
    upload = send(image_bytes("PNG", (1500, 1000)), alice).json["upload"]

    sizes = {}
    for key, url in upload["thumbnails"].items():
        sizes[key] = Image.open(io.BytesIO(fetch(client, url).data)).size
    assert sizes == {"96": (96, 64), "400": (400, 267), "1200": (1200, 800)}
    again = client.get(f"{UPLOADS}/{upload['id']}", headers=alice).json["upload"]
    assert again["thumbnails"] == upload["thumbnails"]


def test_a_small_image_is_its_own_thumbnail_where_it_is_smaller(send, alice):
    upload = send(image_bytes("JPEG", (200, 150)), alice).json["upload"]

    assert upload["thumbnails"]["400"] == upload["url"]
    assert upload["thumbnails"]["1200"] == upload["url"]
    assert upload["thumbnails"]["96"] != upload["url"]


def test_exif_is_removed_from_photos(send, client, alice):
    exif = Image.Exif()
    exif[0x010E] = "secret-description"  # ImageDescription
    exif[0x010F] = "SpyCam"  # Make
    photo = image_bytes("JPEG", (120, 80), exif=exif.tobytes())
    assert b"SpyCam" in photo

    upload = send(photo, alice, filename="me.jpg").json["upload"]

    served = fetch(client, upload["url"]).data
    assert b"SpyCam" not in served
    assert b"secret-description" not in served
    assert dict(Image.open(io.BytesIO(served)).getexif()) == {}


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "image/svg+xml",
        ),
        (b"<!doctype html><script>alert(1)</script>", "cat.png", "image/png"),
        (b"<html><body onload=alert(1)>", "notes.txt", "text/plain"),
        (b"\x00\x01\x02 binary junk", "data.bin", "application/octet-stream"),
        (b"just text pretending", "cat.jpg", "image/jpeg"),
    ],
    ids=["svg", "html-as-png", "html-as-txt", "junk", "text-as-jpeg"],
)
def test_files_that_are_not_what_they_claim_are_refused(send, alice, data, filename, content_type):
    response = send(data, alice, filename=filename, content_type=content_type)

    assert response.status_code == 422
    assert response.json["errors"]["file"]


def test_a_truncated_image_is_refused(send, alice):
    whole = image_bytes("PNG", (400, 300))

    response = send(whole[: len(whole) // 2], alice, filename="half.png")

    assert response.status_code == 422
    assert "image" in response.json["errors"]["file"][0]


@pytest.mark.parametrize("size", [(8000, 8000), (100_000, 100_000)], ids=["over-limit", "bomb"])
def test_a_decompression_bomb_is_refused(send, alice, size):
    response = send(png_declaring(*size), alice, filename="small.png")

    assert response.status_code == 422
    assert "pixels" in response.json["errors"]["file"][0]


def test_a_polyglot_keeps_only_its_image(send, client, alice):
    polyglot = image_bytes("GIF", (40, 40)) + b"<html><script>alert(document.cookie)</script>"

    response = send(polyglot, alice, filename="cat.gif")

    assert response.status_code == 201
    served = fetch(client, response.json["upload"]["url"])
    assert b"<script" not in served.data
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.md", "# Hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
            "application/pdf",
        ),
        ("Plain notes, 中文 too.\n".encode(), "text/plain; charset=utf-8"),
        (_zip(), "application/zip"),
    ],
    ids=["pdf", "txt", "zip"],
)
def test_attachments_are_stored_and_served_as_downloads(send, client, alice, data, content_type):
    response = send(data, alice, filename="thing.dat")

    assert response.status_code == 201
    upload = response.json["upload"]
    assert upload["width"] is None
    assert upload["thumbnails"] == {}
    served = fetch(client, upload["url"])
    assert served.data == data
    assert served.headers["Content-Type"] == content_type
    assert served.headers["Content-Disposition"].startswith("attachment")


def test_images_over_their_limit_are_refused_with_413(send, app, alice, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 1000)
    big = image_bytes("PNG", (300, 300), compress_level=0)

    response = send(big, alice, filename="big.png")

    assert response.status_code == 413
    assert "limit" in response.json["errors"]["file"][0]


def test_attachments_may_be_larger_than_the_app_wide_body_limit(send, app, alice):
    text = b"line of text\n" * 200_000  # 2.6 MB, over MAX_CONTENT_LENGTH (1 MiB)
    assert len(text) > app.config["MAX_CONTENT_LENGTH"]

    assert send(text, alice, filename="long.txt").status_code == 201


def test_bodies_over_the_largest_file_are_refused_before_reading(send, app, alice, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 1000)
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 1000)

    response = send(b"a" * 200_000, alice, filename="long.txt")

    assert response.status_code == 413


def test_uploads_past_the_quota_are_refused(send, app, alice, monkeypatch):
    first = image_bytes("PNG", (50, 50))
    monkeypatch.setitem(app.config, "UPLOAD_QUOTA_BYTES", len(first) + 100)
    assert send(first, alice).status_code == 201

    response = send(image_bytes("PNG", (50, 50)), alice)

    assert response.status_code == 422
    assert "quota" in response.json["errors"]["file"][0]


def test_another_users_upload_is_not_found(send, client, alice, make_user, auth_headers):
    upload = send(image_bytes(), alice).json["upload"]
    bob = auth_headers(make_user("bob"))

    assert client.get(f"{UPLOADS}/{upload['id']}", headers=bob).status_code == 404
    assert client.delete(f"{UPLOADS}/{upload['id']}", headers=bob).status_code == 404
    assert client.get(f"{UPLOADS}/{upload['id']}", headers=alice).status_code == 200
    assert fetch(client, upload["url"]).status_code == 200


@pytest.mark.parametrize("upload_id", ["0", "9223372036854775808", "99999999999999999999999"])
def test_an_impossible_upload_id_is_not_found(send, client, alice, upload_id):
    # Ids are signed 64-bit integers: a larger number names no upload (it is not a crash).
    kept = send(image_bytes(), alice).json["upload"]

    for method in (client.get, client.delete):
        response = method(f"{UPLOADS}/{upload_id}", headers=alice)
        assert response.status_code == 404
        assert response.json == {"errors": {"upload": ["upload not found"]}, "code": "not_found"}
    assert client.get(f"{UPLOADS}/{kept['id']}", headers=alice).status_code == 200


def test_the_same_bytes_are_stored_once_and_survive_one_deletion(send, client, app, alice):
    data = image_bytes("PNG", (500, 300))
    first = send(data, alice).json["upload"]
    second = send(data, alice).json["upload"]
    assert first["id"] != second["id"]
    assert first["url"] == second["url"]
    sha = first["url"].rsplit("/", 1)[-1].split(".")[0]
    assert len(_blobs(app, sha)) == 3  # the image, its 96 and 400 thumbnails

    assert client.delete(f"{UPLOADS}/{first['id']}", headers=alice).status_code == 204
    assert client.get(f"{UPLOADS}/{first['id']}", headers=alice).status_code == 404
    assert fetch(client, second["url"]).status_code == 200
    assert fetch(client, second["thumbnails"]["96"]).status_code == 200

    assert client.delete(f"{UPLOADS}/{second['id']}", headers=alice).status_code == 204
    assert fetch(client, second["url"]).status_code == 404
    assert _blobs(app, sha) == []


def test_uploads_need_a_token(send, client):
    assert send(image_bytes()).status_code == 401
    assert client.get(f"{UPLOADS}/1").status_code == 401
    assert client.delete(f"{UPLOADS}/1").status_code == 401


def test_a_form_without_a_file_is_refused(client, alice):
    response = client.post(UPLOADS, data={"other": "x"}, headers=alice)
    assert response.status_code == 422
    assert "file" in response.json["errors"]
    assert client.post(UPLOADS, json={"file": "x"}, headers=alice).status_code == 422
