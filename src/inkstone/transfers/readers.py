"""Reading an import's file into rows: a CSV in the export's format, or a zip of Markdown.

Nothing here touches the database: each CSV record or zip member becomes a ``Row`` of field
values (or of the reason it cannot be read), for ``imports`` to check and write. The upload is
read as a stream, a record or a member at a time (memory stays flat however large the file):
nothing from a zip is ever extracted to disk. A CSV's text cells lose the
``'`` the export put before a formula-like start (``unescape_csv_text``). Front matter is
YAML read without date magic (``FrontMatterLoader``); whatever a file holds, a problem with it
is a row's error, never an exception out of here.
"""

from __future__ import annotations

import codecs
import csv
import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO

import yaml

from inkstone.transfers.writers import COLUMNS, CSV_ESCAPE, CSV_FORMULA_START

# The export writes these columns; an import reads exactly them back.
CSV_HEADER = list(COLUMNS)

# Zip bombs: no member may unpack past MEMBER_MAX_BYTES, nor all of them past ZIP_MAX_BYTES.
MEMBER_MAX_BYTES = 1024 * 1024
ZIP_MAX_BYTES = 50 * 1024 * 1024
# What reading a damaged, encrypted or oddly compressed member raises (bz2 raises OSError).
_UNZIP_ERRORS = (
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    OSError,
)
_DRIVE = re.compile(r"^[A-Za-z]:")
READ_PIECE = 1024 * 1024


class RowError(Exception):
    """A row that cannot be imported, with the reason shown in the report."""


@dataclass
class Row:
    """One article to import, found at ``line`` (a CSV line number or a zip member name)."""

    line: int | str
    values: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    error: str | None = None


def sniff_format(data: bytes) -> str | None:
    """Return ``"csv"`` or ``"zip"`` when ``data`` is one by its content, else ``None``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        try:
            first = next(csv.reader(io.StringIO(text, newline="")), None)
        except csv.Error:
            first = None
        if first == CSV_HEADER:
            return "csv"
    try:
        with zipfile.ZipFile(io.BytesIO(data)):
            return "zip"
    except (zipfile.BadZipFile, *_UNZIP_ERRORS, ValueError, OSError):
        return None


def _timestamp(value: Any, name: str) -> datetime | None:
    """Return ``value`` (an ISO string, a date or a datetime) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RowError(f"{name} is not an ISO 8601 date or timestamp") from None
    else:
        raise RowError(f"{name} is not an ISO 8601 date or timestamp")
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise RowError(f"{name} is out of range") from None


def unescape_csv_text(value: str) -> str:
    """Undo ``export_writers.csv_text``: take off the one ``'`` it put before a formula.

    Only a ``'`` followed by a formula's first character or by another ``'`` is the export's;
    a CSV made by hand with a title like ``'Tis the season`` keeps its quote.
    """
    if value.startswith(CSV_ESCAPE) and value[1:].startswith((*CSV_FORMULA_START, CSV_ESCAPE)):
        return value[1:]
    return value


def _csv_row(line: int, record: list[str]) -> Row:
    """Turn a CSV record in the export's format into a row to import."""
    if len(record) != len(CSV_HEADER):
        raise RowError(f"expected {len(CSV_HEADER)} columns, found {len(record)}")
    cells = dict(zip(CSV_HEADER, record, strict=True))
    # The text columns the export escaped; slug and author are escaped too, but not read.
    for name in ("title", "description", "body", "tags"):
        cells[name] = unescape_csv_text(cells[name])
    published = cells["published"].strip().lower()
    if published not in ("true", "false", ""):
        raise RowError("published must be true or false")
    return Row(
        line=line,
        values={
            "title": cells["title"],
            "description": cells["description"],
            "body": cells["body"],
            "tagList": [tag for tag in cells["tags"].split(",") if tag.strip()],
            "published": published != "false",
        },
        created_at=_timestamp(cells["created_at"], "created_at"),
    )


def _check_utf8(source: BinaryIO) -> None:
    """Raise ``RowError`` unless all of ``source`` is UTF-8 (read in pieces; rewound after)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while piece := source.read(READ_PIECE):
            decoder.decode(piece)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise RowError("the file is not UTF-8 text") from None
    source.seek(0)


def parse_csv(source: bytes | BinaryIO) -> Iterator[Row]:
    """Yield the rows of a CSV export, each with its line number (or its error)."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    _check_utf8(source)
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        yield from _csv_rows(csv.reader(text))
    finally:
        text.detach()  # the caller closes its file


def _csv_rows(reader: Any) -> Iterator[Row]:
    header = next(reader, None)
    if header != CSV_HEADER:
        raise RowError("the first line is not the export's header")
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader cannot resume after a broken record: report it and stop there.
            yield Row(line=line, error=f"not valid CSV from here on ({exc})")
            return
        if not record:
            continue
        try:
            yield _csv_row(line, record)
        except RowError as exc:
            yield Row(line=line, error=str(exc))


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with dates left as text and every unreadable value a YAML error.

    PyYAML turns anything shaped like a date into one, and raises ``ValueError`` for an
    impossible one (``2024-02-30``), as it does for ``!!int abc`` or a number of more than
    4,300 digits: here such a value is a ``ConstructorError`` with its line. Dates stay text,
    so a title or a tag may look like one; ``date`` itself is read by ``_front_matter_date``.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Construct ``node``, turning a value PyYAML cannot make into a ``ConstructorError``."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            shown = _shorten(repr(node.value), 30) if isinstance(node, yaml.ScalarNode) else "it"
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} cannot be read ({_shorten(str(exc))})", node.start_mark
            ) from None


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Return why PyYAML refused a front matter, with the file's line where it knows it."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None)
    details = []
    if mark is not None:
        details.append(f"line {mark.line + 2}")  # the front matter starts on the 2nd line
    if problem:
        details.append(_shorten(str(problem), 160))
    where = f" ({': '.join(details)})" if details else ""
    return f"the front matter is not valid YAML{where}"


def _text(value: Any, name: str) -> str:
    """Return a front matter value that must be text (numbers are read as text)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(f"{name} must be text")
    try:
        return str(value)
    except ValueError:  # an integer of more than 4,300 digits (``0xfff…``)
        raise RowError(f"{name} is too large a number") from None


def _scalar_text(meta: dict[str, Any], name: str) -> str | None:
    """Return a front matter value that must be text, or ``None`` when it is not there."""
    value = meta.get(name)
    return None if value is None else _text(value, name)


def _front_matter_tags(value: Any) -> list[str]:
    """Return the tags of a front matter: a list, or one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [tag for tag in value.split(",") if tag.strip()]
    if isinstance(value, list) and all(
        isinstance(tag, str | int | float) and not isinstance(tag, bool) for tag in value
    ):
        return [_text(tag, "tags") for tag in value]
    raise RowError("tags must be a list or a comma-separated string")


def _front_matter_date(value: Any) -> datetime | None:
    """Return the ``date`` of a front matter: any date or timestamp YAML writes, or ISO 8601."""
    if isinstance(value, str) and yaml.SafeLoader.timestamp_regexp.match(value.strip()):
        node = yaml.ScalarNode(_TIMESTAMP_TAG, value.strip())
        try:
            value = yaml.SafeLoader("").construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            reason = _shorten(str(exc))
            raise RowError(
                f"date {_shorten(repr(value), 30)} is not a real date ({reason})"
            ) from None
    return _timestamp(value, "date")


def parse_markdown(name: str, text: str) -> Row:
    """Turn a Markdown file with YAML front matter between ``---`` lines into a row."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise RowError("the file does not start with front matter (a '---' line)")
    end = next((i for i, line in enumerate(lines) if i and line.strip() in ("---", "...")), 0)
    if not end:
        raise RowError("the front matter has no closing '---' line")
    try:
        meta = yaml.load("".join(lines[1:end]), Loader=FrontMatterLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        raise RowError(_yaml_problem(exc)) from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise RowError("the front matter is nested too deeply") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise RowError("the front matter is not a mapping of names to values")
    published = meta.get("published", True)
    if not isinstance(published, bool):
        raise RowError("published must be true or false")
    values: dict[str, Any] = {
        "description": _scalar_text(meta, "description") or "",
        "body": "".join(lines[end + 1 :]).strip(),
        "tagList": _front_matter_tags(meta.get("tags")),
        "published": published,
    }
    title = _scalar_text(meta, "title")
    if title is not None:
        values["title"] = title
    return Row(line=name, values=values, created_at=_front_matter_date(meta.get("date")))


def _unsafe(name: str) -> bool:
    """Tell whether a member name is absolute or climbs out of the archive (``..``)."""
    parts = re.split(r"[/\\]", name)
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts


def _hidden(name: str) -> bool:
    """Tell whether a member is hidden, or macOS metadata (``__MACOSX/``), not an article."""
    parts = [part for part in re.split(r"[/\\]", name) if part not in ("", ".", "..")]
    return not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts)


def parse_zip(source: bytes | BinaryIO) -> Iterator[Row]:
    """Yield a row per Markdown member of a zip, each read in memory with size caps."""
    unpacked = 0
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (*_UNZIP_ERRORS, ValueError) as exc:
        raise RowError("the file is not a zip archive that can be read") from exc
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.lower().endswith(".md"):
                continue
            if _unsafe(name):
                yield Row(line=name, error="unsafe file name (absolute, or with '..')")
                continue
            if _hidden(name):
                continue
            if unpacked > ZIP_MAX_BYTES:
                yield Row(line=name, error="the archive unpacks to more than the limit")
                continue
            try:
                if info.file_size > MEMBER_MAX_BYTES:
                    raise RowError("too large once unpacked")
                with archive.open(info) as member:
                    # The sizes in the archive can lie: read at most one byte past the cap.
                    content = member.read(MEMBER_MAX_BYTES + 1)
                unpacked += len(content)
                if len(content) > MEMBER_MAX_BYTES:
                    raise RowError("too large once unpacked")
                try:
                    text = content.decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise RowError("not UTF-8 text") from None
                yield parse_markdown(name, text)
            except RowError as exc:
                yield Row(line=name, error=str(exc))
            except _UNZIP_ERRORS:
                yield Row(line=name, error="could not be unpacked (damaged or encrypted)")
