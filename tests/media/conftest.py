"""Helpers for the uploads tests: files made on the spot, and sending them."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

UPLOADS = "/api/v1/uploads"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (60, 40), **save: Any) -> bytes:
    """Return an image of random colour (so no two tests share content) in ``fmt``."""
    mode = "P" if fmt == "GIF" else "RGB"
    colour = tuple(random.randrange(256) for _ in range(3))
    image = Image.new("RGB", size, colour)
    image.putpixel((0, 0), (255 - colour[0], 0, 0))
    if mode == "P":
        image = image.convert("P")
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header claims ``width`` by ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def fetch(client: FlaskClient, url: str) -> Any:
    """GET ``url``, read the body and close the response (its file with it)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def send(client: FlaskClient) -> Callable[..., Any]:
    """Return a function posting ``data`` as the multipart field ``file``."""

    def post(
        data: bytes,
        headers: dict[str, str] | None = None,
        filename: str = "file.bin",
        content_type: str = "application/octet-stream",
    ) -> Any:
        # Encoded here, in memory: the test client spools big bodies to a file it never closes.
        files = MultiDict(
            {"file": FileStorage(io.BytesIO(data), filename, content_type=content_type)}
        )
        boundary, body = encode_multipart(files)
        return client.post(
            UPLOADS,
            data=body,
            headers=headers or {},
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    return post
