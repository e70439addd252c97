"""Joining PDF parts: one valid document, every page in order, each part's objects once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from inkstone.transfers import pdf_join
from inkstone.transfers.pdf_join import PdfJoiner


def _pdf(objects: list[bytes]) -> bytes:
    """Return a PDF of ``objects`` (numbered from 1; 1 is the catalog) with a right xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _part(tmp_path: Path, name: str, texts: list[str]) -> Path:
    """Write a part whose pages inherit their media box and resources from the page tree."""
    pages = len(texts)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 200 100] "
        b"/Resources << /Font << /F1 3 0 R >> >> >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for text in texts:
        content = b"BT /F1 12 Tf 10 50 Td (%s) Tj ET" % text.encode()
        objects.append(b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>" % (len(objects) + 2))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    path = tmp_path / name
    path.write_bytes(_pdf(objects))
    return path


def _join(tmp_path: Path, parts: list[Path]) -> bytes:
    out = io.BytesIO()
    joiner = PdfJoiner(out, title="Joined 合并", author="Inkstone")
    for part in parts:
        joiner.append(part)
    joiner.close()
    return out.getvalue()


def test_pages_of_every_part_come_in_order_with_what_they_inherited(tmp_path):
    parts = [_part(tmp_path, "a.pdf", ["one", "two"]), _part(tmp_path, "b.pdf", ["three"])]
    reader = PdfReader(io.BytesIO(_join(tmp_path, parts)), strict=True)

    assert [page.extract_text() for page in reader.pages] == ["one", "two", "three"]
    for page in reader.pages:  # inherited in the part, kept on the page in the output
        assert [float(x) for x in page.mediabox] == [0, 0, 200, 100]
        assert page["/Resources"]["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
    assert reader.metadata is not None
    assert reader.metadata.title == "Joined 合并"
    assert reader.metadata.producer == "Inkstone"


def test_an_object_pages_share_is_written_once_per_part(tmp_path):
    parts = [_part(tmp_path, "a.pdf", ["x", "y", "z"]), _part(tmp_path, "b.pdf", ["w"])]
    data = _join(tmp_path, parts)
    assert data.count(b"/BaseFont /Helvetica") == 2  # one font object per part, not per page
    assert data.count(b"/Type /Catalog") == 1  # the parts' catalogs stay behind
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") == 4


def test_a_long_document_gets_a_page_tree_of_bounded_nodes(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_join, "PAGES_PER_NODE", 2)
    parts = [_part(tmp_path, f"{n}.pdf", [f"p{n}a", f"p{n}b", f"p{n}c"]) for n in range(3)]
    reader = PdfReader(io.BytesIO(_join(tmp_path, parts)), strict=True)

    assert len(reader.pages) == 9
    assert [page.extract_text() for page in reader.pages][:4] == ["p0a", "p0b", "p0c", "p1a"]
    root = reader.trailer["/Root"]["/Pages"]
    assert root["/Count"] == 9
    nodes = [kid.get_object() for kid in root["/Kids"]]
    assert [node["/Count"] for node in nodes] == [2, 2, 2, 2, 1]
    for node in nodes:
        assert node["/Parent"].get_object() == root
        for kid in node["/Kids"]:
            assert kid.get_object()["/Parent"].get_object() == node


def test_a_part_that_is_not_a_pdf_is_refused(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf at all")
    joiner = PdfJoiner(io.BytesIO(), title="t", author="a")
    with pytest.raises(PdfReadError):
        joiner.append(broken)
