"""The font PDF exports are set in: a TrueType font with Chinese glyphs, embedded in the file.

reportlab embeds TrueType fonts (``.ttf``, ``.ttc``) as subsets of the glyphs a document
uses, with a ToUnicode map so the text can be searched and copied. It cannot embed CFF-based
OpenType fonts such as Noto CJK. The font is, in order:

1. the file the ``PDF_FONT_PATH`` setting names;
2. the first Debian CJK TrueType font installed (``fonts-wqy-microhei``, as in the Docker
   image and CI; then ``fonts-droid-fallback``, ``fonts-wqy-zenhei``);
3. reportlab's built-in Adobe CID font ``STSong-Light``, which is *not* embedded: the PDF's
   Chinese text then shows only in viewers that supply the font (Adobe's Asian font packs).

A font that cannot be used (missing, not TrueType, no Chinese glyphs) is logged as an error
and the next choice is taken: a bad setting never fails an export. The choice is made once
per process (per value of the setting).
"""

from __future__ import annotations

import functools
import hashlib
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from flask import current_app, has_app_context

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFont

log = structlog.get_logger(__name__)

DEBIAN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
CID_FONT = "STSong-Light"
# A font without these cannot show the articles' Chinese text (nor the meta line's dot).
_REQUIRED = "中文 Inkstone ·"


class PdfFontError(Exception):
    """Raised when a font file cannot be embedded in the PDF exports."""


def pdf_font() -> str:
    """Return the name of the registered reportlab font the PDF exports are set in."""
    configured = ""
    if has_app_context():
        configured = str(current_app.config.get("PDF_FONT_PATH") or "")
    return _choose(configured.strip())


@functools.cache
def _choose(configured: str) -> str:
    if configured:
        try:
            return _register(Path(configured))
        except PdfFontError as error:
            log.error(
                "pdf_font.unusable",
                setting="PDF_FONT_PATH",
                path=configured,
                reason=str(error),
                fallback="the default font",
            )
    for candidate in DEBIAN_FONTS:
        path = Path(candidate)
        if not path.is_file():
            continue
        try:
            return _register(path)
        except PdfFontError as error:
            log.error("pdf_font.unusable", path=candidate, reason=str(error))
    return _register_cid()


def _register(path: Path) -> str:
    """Load ``path`` as an embeddable TrueType font and register it; return its name."""
    from reportlab.pdfbase.ttfonts import TTFont

    if not path.is_file():
        raise PdfFontError("no such file")
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    name = f"Inkstone-{path.stem}-{digest}"
    try:
        # A collection (.ttc) holds several faces; the first is the regular one.
        font = TTFont(name, str(path), subfontIndex=0)
        missing = [char for char in _REQUIRED if ord(char) not in font.face.charToGlyph]
        if missing:
            raise PdfFontError(f"no glyphs for {''.join(missing)!r}")
        _try_embedding(font)
    except PdfFontError:
        raise
    except Exception as error:  # reportlab's parser fails on bad files in many ways
        raise PdfFontError(f"not an embeddable TrueType font ({error})") from error
    log.info("pdf_font.chosen", path=str(path), font=font.face.name.decode(errors="replace"))
    return name


def _try_embedding(font: TTFont) -> None:
    """Write a page in ``font`` to memory, so a font that breaks subsetting fails here."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.canvas import Canvas

    # Registered under a name of its own (the path's digest), unused unless this succeeds.
    pdfmetrics.registerFont(font)
    canvas = Canvas(BytesIO())
    canvas.setFont(font.fontName, 10)
    canvas.drawString(10, 10, _REQUIRED)
    canvas.save()


def _register_cid() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CID_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    log.warning(
        "pdf_font.not_embedded",
        font=CID_FONT,
        detail=(
            "no CJK TrueType font found (install fonts-wqy-microhei or set PDF_FONT_PATH): "
            "the PDF exports' Chinese text shows only in viewers that supply this font"
        ),
    )
    return CID_FONT
