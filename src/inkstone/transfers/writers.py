"""The files an export writes: CSV, XLSX and PDF writers, each fed rows page by page.

The CSV is the format imports read back: UTF-8 with a BOM (Excel then reads Chinese text
right), ``\\r\\n`` line ends, the columns of ``COLUMNS``, timestamps ISO 8601 UTC with ``Z``.
"""

from __future__ import annotations

import contextlib
import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from xml.sax.saxutils import escape

COLUMNS = (
    "slug",
    "title",
    "description",
    "body",
    "tags",
    "published",
    "created_at",
    "updated_at",
    "author",
)


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One article as every format writes it."""

    slug: str
    title: str
    description: str
    body: str
    tags: list[str]
    published: bool
    created_at: datetime
    updated_at: datetime
    author: str


def iso_utc(value: datetime) -> str:
    """Return ``value`` as ISO 8601 UTC with a ``Z`` (seconds precision)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ExportWriter(Protocol):
    """Writes rows to a file as they come, then finishes it."""

    def write(self, rows: list[ExportRow]) -> None:
        """Append ``rows`` to the file."""

    def close(self) -> None:
        """Finish the file (and release it)."""

    def abort(self) -> None:
        """Release what the writer holds, without finishing the file (it is thrown away)."""


# Spreadsheets run a cell that starts with one of these as a formula (CSV injection, OWASP).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_ESCAPE = "'"


def csv_text(value: str) -> str:
    """Return a text cell a spreadsheet shows as text: ``'`` before a formula's first character.

    A cell that already starts with ``'`` gets one more, so ``unescape_csv_text`` in the
    importer (which takes exactly one off) gives back every value exactly. Every text column
    is escaped: slug, title, description, body, tags (the joined cell) and author; the others
    (``published`` and the timestamps) are written by the export and never start so.
    """
    return CSV_ESCAPE + value if value.startswith((*CSV_FORMULA_START, CSV_ESCAPE)) else value


class CsvWriter:
    """The CSV that imports read back: UTF-8 with BOM, ``\\r\\n``, minimal quoting."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        self._csv.writerow(COLUMNS)

    def write(self, rows: list[ExportRow]) -> None:
        """Append ``rows`` to the file."""
        self._csv.writerows(
            (
                csv_text(row.slug),
                csv_text(row.title),
                csv_text(row.description),
                csv_text(row.body),
                csv_text(", ".join(row.tags)),
                "true" if row.published else "false",
                iso_utc(row.created_at),
                iso_utc(row.updated_at),
                csv_text(row.author),
            )
            for row in rows
        )

    def close(self) -> None:
        """Finish the file (and release it)."""
        self._file.close()

    def abort(self) -> None:
        """Release the file (it is thrown away)."""
        self._file.close()


# Excel refuses control characters in cells and text longer than this in one cell.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_CELL_MAX = 32_767
_XLSX_WIDTHS = (30, 40, 40, 60, 24, 10, 20, 20, 16)


def _cell_text(value: str) -> str:
    return _XLSX_ILLEGAL.sub("", value)[:XLSX_CELL_MAX]


def _text_cell(sheet: Any, value: str) -> Any:
    """Return a cell that holds ``value`` as text, whatever it starts with.

    openpyxl makes a string that starts with ``=`` a formula (and ``#N/A`` an error); a cell
    typed ``s`` is written as an inline string, which Excel shows as it is, never runs, and
    shows without the ``'`` a CSV needs.
    """
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_cell_text(value))
    cell.data_type = "s"
    return cell


def _naive_utc(value: datetime) -> datetime:
    # Excel has no time zones: the sheet holds UTC, as its header says.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


class XlsxWriter:
    """An openpyxl write-only workbook: rows go to a temporary file as they are appended."""

    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._path = path
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("Articles")
        for index, width in enumerate(_XLSX_WIDTHS, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = width
        bold = Font(bold=True)
        header = []
        for name in COLUMNS:  # the CSV's columns; the times are UTC, as there
            cell = WriteOnlyCell(self._sheet, value=name)
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)

    def write(self, rows: list[ExportRow]) -> None:
        """Append ``rows`` to the sheet."""
        sheet = self._sheet
        for row in rows:
            sheet.append(
                [
                    _text_cell(sheet, row.slug),
                    _text_cell(sheet, row.title),
                    _text_cell(sheet, row.description),
                    _text_cell(sheet, row.body),
                    _text_cell(sheet, ", ".join(row.tags)),
                    row.published,
                    _naive_utc(row.created_at),
                    _naive_utc(row.updated_at),
                    _text_cell(sheet, row.author),
                ]
            )

    def close(self) -> None:
        """Write the workbook out."""
        self._book.save(str(self._path))

    def abort(self) -> None:
        """Release the sheet's temporary file (saving is what removes it)."""
        with contextlib.suppress(Exception):
            self._book.save(str(self._path))


# The font (Latin and Chinese, so one font serves every article) is chosen by pdf_fonts:
# an embedded TrueType font when one is installed or configured.
PDF_TITLE = "Inkstone articles"
PDF_AUTHOR = "Inkstone"
# Text laid out per part before it is written out and joined (reportlab holds about 7 bytes
# per character until then): a worker stays well under 300 MB (bench/export_memory.py).
PDF_PART_CHARS = 2_000_000
_PDF_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _pdf_text(value: str) -> str:
    """Return ``value`` as Paragraph markup that shows it literally (markup escaped)."""
    return escape(_PDF_CONTROL.sub("", value)).replace("\n", "<br/>")


class _PdfPart:
    """A reportlab platypus document fed article by article (one section per article)."""

    def __init__(self, path: Path) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

        doc = BaseDocTemplate(
            str(path),
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            title=PDF_TITLE,
            author=PDF_AUTHOR,
        )
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="normal")
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=A4)])
        # platypus's build() wants the whole story at once; these are the steps it takes,
        # taken one article at a time so the story never holds more than one.
        doc._startBuild()
        doc.canv._doctemplate = doc
        self._doc = doc

    def lay_out(self, story: list[Any]) -> None:
        """Add the flowables of ``story`` (consumed) to the pages."""
        while story:
            self._doc.clean_hanging()
            self._doc.handle_flowable(story)

    def close(self) -> None:
        """Finish the last page and write the part's file."""
        self._doc.clean_hanging()
        del self._doc.canv._doctemplate
        self._doc._endBuild()


class PdfWriter:
    """Articles laid out by reportlab in parts of about ``PDF_PART_CHARS`` characters.

    reportlab keeps a document's pages in memory until it saves it; each part is saved to a
    file of its own once that much text is in it, and its pages are appended to the export at
    once (``pdf_join``), so memory stays flat whatever the number of articles. A new part
    starts on a new page.
    """

    def __init__(self, path: Path, *, part_chars: int | None = None) -> None:
        from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

        from inkstone.transfers.fonts import pdf_font
        from inkstone.transfers.pdf_join import PdfJoiner

        font = pdf_font()
        base = getSampleStyleSheet()
        # One regular face for every style: the lead is "Italic" by its place in the sample
        # sheet, but set upright (CJK fonts have no italic, and the text carries no <i>).
        styles = {
            "title": ParagraphStyle("title", base["Heading2"], fontName=font),
            "meta": ParagraphStyle("meta", base["Normal"], fontName=font, fontSize=8),
            "lead": ParagraphStyle("lead", base["Italic"], fontName=font, spaceAfter=6),
            "body": ParagraphStyle("body", base["Normal"], fontName=font, spaceAfter=6),
        }
        self._styles = styles
        # CJK lines break between any two characters; other text between words.
        self._cjk_styles = {
            name: ParagraphStyle(f"{name}-cjk", style, wordWrap="CJK")
            for name, style in styles.items()
        }
        self._part_chars = part_chars or PDF_PART_CHARS
        # Named ``….part`` like the export's own file, so what a killed worker leaves behind is
        # removed with it (``retention.recover_jobs``).
        self._part_path = path.with_name(f"{path.stem}.section{path.suffix}")
        self._file: IO[bytes] = path.open("wb")
        self._joiner = PdfJoiner(self._file, title=PDF_TITLE, author=PDF_AUTHOR)
        self._part: _PdfPart | None = None
        self._part_size = 0

    def _paragraph(self, text: str, style: str) -> Any:
        from reportlab.platypus import Paragraph

        styles = self._cjk_styles if _CJK.search(text) else self._styles
        return Paragraph(_pdf_text(text), styles[style])

    def _story(self, row: ExportRow) -> list[Any]:
        from reportlab.platypus import Spacer

        meta = iso_utc(row.created_at)[:10] + " · " + row.author
        if row.tags:
            meta += " · " + ", ".join(row.tags)
        if not row.published:
            meta += " · draft"
        story = [self._paragraph(row.title, "title"), self._paragraph(meta, "meta")]
        if row.description:
            story.append(self._paragraph(row.description, "lead"))
        for part in re.split(r"\n\s*\n", row.body.strip()):
            if part.strip():
                story.append(self._paragraph(part.strip(), "body"))
        story.append(Spacer(1, 12))
        return story

    def write(self, rows: list[ExportRow]) -> None:
        """Lay out ``rows``, one section each."""
        for row in rows:
            self._lay_out(self._story(row))
            self._part_size += len(row.title) + len(row.description) + len(row.body)
            if self._part_size >= self._part_chars:
                self._join_part()

    def _lay_out(self, story: list[Any]) -> None:
        if self._part is None:
            self._part = _PdfPart(self._part_path)
            self._part_size = 0
        self._part.lay_out(story)

    def _join_part(self) -> None:
        if self._part is None:
            return
        self._part.close()
        self._part = None
        self._joiner.append(self._part_path)
        self._part_path.unlink()

    def close(self) -> None:
        """Finish the last part and write the document's page tree and trailer."""
        if self._joiner.page_count == 0 and self._part is None:  # a PDF needs a page
            self._lay_out([self._paragraph("No articles.", "body")])
        self._join_part()
        self._joiner.close()
        self._file.close()

    def abort(self) -> None:
        """Release the file and remove the part being laid out (the export is thrown away)."""
        self._part = None
        self._file.close()
        self._part_path.unlink(missing_ok=True)


WRITERS: dict[str, type[CsvWriter] | type[XlsxWriter] | type[PdfWriter]] = {
    "csv": CsvWriter,
    "xlsx": XlsxWriter,
    "pdf": PdfWriter,
}
