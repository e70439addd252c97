"""Join PDF parts into one PDF as they come, holding only one part in memory at a time.

reportlab keeps every page of a document in memory until it saves it, so a PDF export of
100,000 articles would need gigabytes. The export instead lays articles out in parts of a
bounded size, and this module appends each finished part's pages to the one output file at
once: their objects are renumbered and written out, only their byte offsets and page numbers
are kept, and the page tree, catalog, cross-reference table and trailer follow at ``close``.

Parts are read with pypdf. Everything a page refers to (content streams, fonts, resources) is
copied; what it does not (the part's own catalog, page tree and info) is left behind. Each
part carries its own font dictionaries and, with an embedded TrueType font (``pdf_fonts``),
its own subset of the glyphs it shows: tens of KB, up to about 1 MB for a part of varied
Chinese.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import IO

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

# Pages per node of the page tree (viewers find page N without walking one huge array).
PAGES_PER_NODE = 1_000
_ROOT, _CATALOG, _INFO = 1, 2, 3  # numbers given before any part's objects
_PARENT = NameObject("/Parent")


class PdfJoiner:
    """Writes one PDF to ``file`` from parts appended one after another."""

    def __init__(self, file: IO[bytes], *, title: str, author: str) -> None:
        self._file = file
        self._title = title
        self._author = author
        self._offsets: dict[int, int] = {}
        self._next = _INFO + 1
        self._nodes: list[tuple[int, list[int]]] = []  # (node number, its pages' numbers)
        self._base = file.tell()
        self._file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        """Return how many pages were appended so far."""
        return sum(len(pages) for _, pages in self._nodes)

    def _number(self) -> int:
        number = self._next
        self._next += 1
        return number

    def _parent_for_next_page(self) -> int:
        if not self._nodes or len(self._nodes[-1][1]) >= PAGES_PER_NODE:
            self._nodes.append((self._number(), []))
        return self._nodes[-1][0]

    def append(self, part: Path) -> None:
        """Copy every page of the PDF ``part`` (and what they use) to the end of the output."""
        reader = PdfReader(part)
        numbers: dict[int, int] = {}  # the part's object number → the output's
        queue: deque[int] = deque()

        def renumber(reference: IndirectObject) -> int:
            if reference.idnum not in numbers:
                numbers[reference.idnum] = self._number()
                queue.append(reference.idnum)
            return numbers[reference.idnum]

        # pypdf's pages already hold what they inherit from the part's page tree (resources,
        # media box…), which stays behind: they are written as pypdf gives them.
        pages: dict[int, tuple[PageObject, int]] = {}  # number → (page, its node's number)
        for page in reader.pages:
            reference = page.indirect_reference
            if reference is None:  # reportlab always writes pages as objects
                raise ValueError(f"{part.name}: a page is not an indirect object")
            parent = self._parent_for_next_page()
            self._nodes[-1][1].append(renumber(reference))
            pages[reference.idnum] = (page, parent)
        while queue:
            old = queue.popleft()
            out = BytesIO()
            if old in pages:
                page, parent = pages.pop(old)
                _serialize(page, out, renumber, parent=parent)
            else:
                _serialize(reader.get_object(old), out, renumber)
            self._write_object(numbers[old], out.getvalue())

    def _write_object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._file.tell() - self._base
        self._file.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def close(self) -> None:
        """Write the page tree, catalog, info, cross-reference table and trailer."""
        for node, pages in self._nodes:
            kids = b" ".join(b"%d 0 R" % page for page in pages)
            self._write_object(
                node,
                b"<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>"
                % (_ROOT, kids, len(pages)),
            )
        kids = b" ".join(b"%d 0 R" % node for node, _ in self._nodes)
        self._write_object(
            _ROOT, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, self.page_count)
        )
        self._write_object(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % _ROOT)
        info = BytesIO()
        DictionaryObject(
            {
                NameObject("/Title"): TextStringObject(self._title),
                NameObject("/Author"): TextStringObject(self._author),
                NameObject("/Producer"): TextStringObject("Inkstone"),
            }
        ).write_to_stream(info)
        self._write_object(_INFO, info.getvalue())
        xref = self._file.tell() - self._base
        self._file.write(b"xref\n0 %d\n0000000000 65535 f \n" % self._next)
        for number in range(1, self._next):
            self._file.write(b"%010d 00000 n \n" % self._offsets[number])
        self._file.write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (self._next, _CATALOG, _INFO, xref)
        )


def _serialize(
    obj: PdfObject | None,
    out: BytesIO,
    renumber: Callable[[IndirectObject], int],
    *,
    parent: int | None = None,
) -> None:
    """Write ``obj`` with its references renumbered; a page gets ``parent`` as its parent."""
    if obj is None:
        out.write(b"null")
    elif isinstance(obj, IndirectObject):
        out.write(b"%d 0 R" % renumber(obj))
    elif isinstance(obj, DictionaryObject):
        out.write(b"<<")
        if parent is not None:
            out.write(b"\n/Parent %d 0 R" % parent)
        for key, value in dict.items(obj):
            if key == _PARENT and parent is not None:
                continue
            if key == "/Length" and isinstance(obj, StreamObject):
                continue  # written below from the data
            out.write(b"\n")
            key.write_to_stream(out)
            out.write(b" ")
            _serialize(value, out, renumber)
        if isinstance(obj, StreamObject):
            data = obj._data  # the bytes as stored (still encoded by its /Filter)
            out.write(b"\n/Length %d\n>>\nstream\n" % len(data))
            out.write(data)
            out.write(b"\nendstream")
        else:
            out.write(b"\n>>")
    elif isinstance(obj, ArrayObject):
        out.write(b"[")
        for item in list.__iter__(obj):
            out.write(b" ")
            _serialize(item, out, renumber)
        out.write(b" ]")
    else:
        obj.write_to_stream(out)
