"""The font PDF exports are set in: configured, a Debian CJK font, or one the viewer supplies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from structlog.testing import capture_logs

from inkstone.transfers import fonts as pdf_fonts
from inkstone.transfers.writers import ExportRow, PdfWriter
from tests.conftest import require_service

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_choice() -> Iterator[None]:
    """Choose the font anew in each test (a process chooses once), and after them."""
    pdf_fonts._choose.cache_clear()
    yield
    pdf_fonts._choose.cache_clear()


def _write_pdf(path: Path) -> str:
    """Write a one-article PDF export to ``path``; return the text it shows."""
    writer = PdfWriter(path)
    writer.write(
        [ExportRow("spring", "春眠不觉晓", "", "处处闻啼鸟。", [], True, NOW, NOW, "writer")]
    )
    writer.close()
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_without_any_cjk_truetype_font_the_viewer_supplies_one(app, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_fonts, "DEBIAN_FONTS", (str(tmp_path / "none.ttc"),))
    with app.app_context(), capture_logs() as logs:
        monkeypatch.setitem(app.config, "PDF_FONT_PATH", "")
        text = _write_pdf(tmp_path / "export.pdf")
    assert "春眠不觉晓" in text
    assert "处处闻啼鸟。" in text
    assert b"/BaseFont /STSong-Light" in (tmp_path / "export.pdf").read_bytes()
    [warning] = [line for line in logs if line["event"] == "pdf_font.not_embedded"]
    assert "viewers that supply this font" in warning["detail"]


def test_a_font_without_chinese_glyphs_is_refused(app, monkeypatch, tmp_path):
    require_service(
        "fonts-dejavu-core", DEJAVU_SANS.is_file(), f"a Latin-only font ({DEJAVU_SANS})"
    )
    with app.app_context(), capture_logs() as logs:
        monkeypatch.setitem(app.config, "PDF_FONT_PATH", str(DEJAVU_SANS))
        text = _write_pdf(tmp_path / "export.pdf")
    assert "春眠不觉晓" in text  # in the default font instead
    [error] = [line for line in logs if line["event"] == "pdf_font.unusable"]
    assert error["path"] == str(DEJAVU_SANS)
    assert error["reason"] == "no glyphs for '中文'"
    assert b"DejaVu" not in (tmp_path / "export.pdf").read_bytes()


def test_a_missing_font_file_is_named_in_the_error(app, monkeypatch, tmp_path):
    missing = tmp_path / "gone.ttf"
    with app.app_context(), capture_logs() as logs:
        monkeypatch.setitem(app.config, "PDF_FONT_PATH", str(missing))
        assert "春眠不觉晓" in _write_pdf(tmp_path / "export.pdf")
    [error] = [line for line in logs if line["event"] == "pdf_font.unusable"]
    assert error["path"] == str(missing)
    assert error["reason"] == "no such file"


def test_a_configured_font_is_embedded(app, monkeypatch, tmp_path):
    wqy = Path(pdf_fonts.DEBIAN_FONTS[0])
    require_service("fonts-wqy-microhei", wqy.is_file(), f"Debian's font package ({wqy})")
    monkeypatch.setattr(pdf_fonts, "DEBIAN_FONTS", ())  # only the setting can supply it
    with app.app_context():
        monkeypatch.setitem(app.config, "PDF_FONT_PATH", str(wqy))
        assert "春眠不觉晓" in _write_pdf(tmp_path / "export.pdf")
    data = (tmp_path / "export.pdf").read_bytes()
    assert b"+WenQuanYiMicroHei-0" in data
    assert b"/FontFile2" in data


def test_the_font_is_chosen_once_per_process(app, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf_fonts, "DEBIAN_FONTS", ())
    with app.app_context(), capture_logs() as logs:
        monkeypatch.setitem(app.config, "PDF_FONT_PATH", str(tmp_path / "gone.ttf"))
        _write_pdf(tmp_path / "first.pdf")
        _write_pdf(tmp_path / "second.pdf")
    events = [line["event"] for line in logs if line["event"].startswith("pdf_font.")]
    assert events == ["pdf_font.unusable", "pdf_font.not_embedded"]  # not once per export
