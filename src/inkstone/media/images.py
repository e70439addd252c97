"""Recognising what a file is by its bytes; decoding, cleaning and shrinking images.

Every image is decoded by Pillow and written out again: whatever rode along in the original
(EXIF with its GPS position, comments, an HTML tail of a polyglot) is left behind. Animated
GIFs keep their first frame only (a bounded amount of work per upload).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image, ImageOps

from inkstone.core.errors import Invalid

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
THUMBNAIL_SIZES = (96, 400, 1200)
JPEG_QUALITY = 85
OPTIMIZE_PIXELS = 4_000_000  # larger images are saved without optimised Huffman tables
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_MARKUP_START = (b"<", b"\xef\xbb\xbf<")
NOT_AN_IMAGE = "is not a PNG, JPEG, GIF or WebP image that can be read"
NOT_ACCEPTED = "is not an accepted file: send a PNG, JPEG, GIF or WebP image, a PDF, text or zip"
MARKUP = "HTML, SVG and XML files are not accepted"


@dataclass(frozen=True)
class CleanFile:
    """Bytes ready to store, with what was learnt about them."""

    data: bytes
    extension: str
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        """Tell whether this is an image (not an attachment)."""
        return self.width is not None


def looks_like_image(data: bytes) -> bool:
    """Tell whether ``data`` starts like a PNG, JPEG, GIF or WebP file."""
    return data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def sniff_attachment(data: bytes) -> str | None:
    """Return ``pdf``, ``zip`` or ``txt`` when ``data`` is one, else None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None
        return "zip"
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if data.lstrip().startswith(_MARKUP_START):
        raise Invalid(MARKUP, field="file")
    return "txt"


def _too_many_pixels(max_pixels: int, size: tuple[int, int] | None = None) -> Invalid:
    said = f"is {size[0]}×{size[1]} pixels" if size else "has too many pixels"
    return Invalid(f"{said}; the limit is {max_pixels:,} pixels", field="file")


def _decoded(data: bytes, *, max_pixels: int) -> Image.Image:
    """Check and decode ``data`` fully; raise ``Invalid`` for anything Pillow cannot read."""
    try:
        return _decode(data, max_pixels=max_pixels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc


def _decode(data: bytes, *, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in IMAGE_FORMATS:
                raise Invalid(NOT_AN_IMAGE, field="file")
            width, height = probe.size
            if width * height > max_pixels:
                raise _too_many_pixels(max_pixels, (width, height))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.seek(0)  # an animation: its first frame
        image.load()
    return image


def clean_image(data: bytes, *, max_pixels: int) -> CleanFile:
    """Decode ``data`` as an image and re-encode it without metadata; ``Invalid`` if it is not."""
    try:
        image = _decoded(data, max_pixels=max_pixels)
        fmt = str(image.format)
        out = io.BytesIO()
        if fmt == "JPEG":
            # Keep how the photo was meant to be seen, then drop the EXIF that said so (in
            # place: a 40-megapixel photo is 120 MB decoded, and a copy as much again).
            ImageOps.exif_transpose(image, in_place=True)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # Optimised Huffman tables keep every coefficient of the image in memory while
            # saving (as much again): worth it for small images only.
            optimize = image.width * image.height <= OPTIMIZE_PIXELS
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=optimize)
        elif fmt == "GIF":
            frame = image.copy()
            frame.save(out, "GIF")
        elif fmt == "WEBP":
            frame = image if image.mode in ("RGB", "RGBA") else image.convert("RGBA")
            frame.save(out, "WEBP", quality=JPEG_QUALITY)
        else:
            image.save(out, "PNG")
        width, height = image.size
    except Invalid:
        raise
    # Pillow reports damaged or hostile files with many exception types (OSError, SyntaxError,
    # ValueError, struct.error, DecompressionBombError…): each means "not a usable image".
    except Exception as exc:
        raise Invalid(NOT_AN_IMAGE, field="file") from exc
    return CleanFile(out.getvalue(), IMAGE_FORMATS[fmt], width, height)


def clean_file(data: bytes, *, max_pixels: int, claims_image: bool) -> CleanFile:
    """Return ``data`` checked by its content: a re-encoded image or an attachment as sent."""
    if looks_like_image(data):
        return clean_image(data, max_pixels=max_pixels)
    if claims_image:
        if data.lstrip().startswith(_MARKUP_START):
            raise Invalid(MARKUP, field="file")
        raise Invalid(NOT_AN_IMAGE, field="file")
    extension = sniff_attachment(data)
    if extension is None:
        raise Invalid(NOT_ACCEPTED, field="file")
    return CleanFile(data, extension)


def make_thumbnails(
    data: bytes, *, sizes: Iterable[int]
) -> dict[int, tuple[bytes, int, int] | None]:
    """Shrink ``data`` to each of ``sizes`` on its longest side (``None``: already that small).

    The image is decoded once (a JPEG straight at the scale the largest needs), each size is
    made from the one before, and the full-size image is let go after the first: memory is
    about one decoded image, not one per size.
    """
    wanted = sorted(set(sizes), reverse=True)
    made: dict[int, tuple[bytes, int, int] | None] = {}
    with Image.open(io.BytesIO(data)) as opened:
        fmt = str(opened.format)
        current: Image.Image = opened
        for size in wanted:
            if max(current.size) <= size and current is opened:
                made[size] = None
                continue
            current = current.copy() if current is not opened else current
            # A JPEG is decoded at the smallest scale at least twice the size wanted (draft).
            current.thumbnail((size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            if fmt == "JPEG":
                current.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            else:
                current.save(out, fmt)
            made[size] = (out.getvalue(), current.width, current.height)
    return made
