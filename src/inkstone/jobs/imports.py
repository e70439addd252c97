"""Importing articles, as a job: a CSV in the export's format, or a zip of Markdown files.

Each row (a CSV record, a zip member) is checked with the article schema's rules and written
through ``create_article`` in a savepoint of its own: a bad row is reported with its line and
reason and does not stop the good ones. A row is skipped when its author already has an
article with the same title and body, so importing a file twice creates nothing the second
time. The upload is read in memory: nothing from a zip is ever extracted to disk.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inkstone.articles.models import Article
from inkstone.articles.schemas import ArticleFields
from inkstone.articles.services import create_article
from inkstone.auth.models import User
from inkstone.core.errors import DomainError, validation_errors
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.export_writers import COLUMNS
from inkstone.jobs.models import Job
from inkstone.jobs.runner import JobCancelled, job_task

# The export writes these columns; an import reads exactly them back.
CSV_HEADER = list(COLUMNS)
FORMATS = ("csv", "zip")
# Zip bombs: no member may unpack past MEMBER_MAX_BYTES, nor all of them past ZIP_MAX_BYTES.
MEMBER_MAX_BYTES = 1024 * 1024
ZIP_MAX_BYTES = 50 * 1024 * 1024
ERRORS_MAX = 100
PROGRESS_EVERY = 25
_UNZIP_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error)
_DRIVE = re.compile(r"^[A-Za-z]:")


class RowError(Exception):
    """A row that cannot be imported, with the reason shown in the report."""


@dataclass
class Row:
    """One article to import, found at ``line`` (a CSV line number or a zip member name)."""

    line: int | str
    values: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    error: str | None = None


@dataclass
class Report:
    """What an import did: the job's summary."""

    created: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, line: int | str, reason: str) -> None:
        """Count a failed row and keep its reason (the first ``ERRORS_MAX`` of them)."""
        self.failed += 1
        if len(self.errors) < ERRORS_MAX:
            self.errors.append({"line": line, "reason": reason})

    def summary(self) -> dict[str, Any]:
        """Return the report as the job's summary."""
        return {
            "created": self.created,
            "skipped": self.skipped,
            "failed": self.failed,
            "errors": self.errors,
        }


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


def _csv_row(line: int, record: list[str]) -> Row:
    """Turn a CSV record in the export's format into a row to import."""
    if len(record) != len(CSV_HEADER):
        raise RowError(f"expected {len(CSV_HEADER)} columns, found {len(record)}")
    cells = dict(zip(CSV_HEADER, record, strict=True))
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


def parse_csv(data: bytes) -> Iterator[Row]:
    """Yield the rows of a CSV export, each with its line number (or its error)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
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


def _scalar_text(meta: dict[str, Any], name: str) -> str | None:
    """Return a front matter value that must be text (numbers are read as text)."""
    value = meta.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(f"{name} must be text")
    return str(value)


def _front_matter_tags(value: Any) -> list[str]:
    """Return the tags of a front matter: a list, or one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [tag for tag in value.split(",") if tag.strip()]
    if isinstance(value, list) and all(
        isinstance(tag, str | int | float) and not isinstance(tag, bool) for tag in value
    ):
        return [str(tag) for tag in value]
    raise RowError("tags must be a list or a comma-separated string")


def parse_markdown(name: str, text: str) -> Row:
    """Turn a Markdown file with YAML front matter between ``---`` lines into a row."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise RowError("the file does not start with front matter (a '---' line)")
    end = next((i for i, line in enumerate(lines) if i and line.strip() in ("---", "...")), 0)
    if not end:
        raise RowError("the front matter has no closing '---' line")
    try:
        meta = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise RowError(f"the front matter is not valid YAML{where}") from None
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
    return Row(line=name, values=values, created_at=_timestamp(meta.get("date"), "date"))


def _unsafe(name: str) -> bool:
    """Tell whether a member name is absolute or climbs out of the archive (``..``)."""
    parts = re.split(r"[/\\]", name)
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts


def _hidden(name: str) -> bool:
    """Tell whether a member is hidden, or macOS metadata (``__MACOSX/``), not an article."""
    parts = [part for part in re.split(r"[/\\]", name) if part not in ("", ".", "..")]
    return not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts)


def parse_zip(data: bytes) -> Iterator[Row]:
    """Yield a row per Markdown member of a zip, read in memory with size caps."""
    unpacked = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
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


def _describe(exc: ValidationError) -> str:
    """Return a validation error as one line: ``title: Length must be between 1 and 200.``."""
    errors = validation_errors({"row": exc.messages})
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())


def _exists(author: User, title: str, body: str) -> bool:
    """Tell whether ``author`` already has an article with this title and body."""
    found = db.session.scalar(
        select(Article.id)
        .where(Article.author_id == author.id, Article.title == title, Article.body == body)
        .limit(1)
    )
    return found is not None


def import_row(*, author: User, row: Row, report: Report) -> None:
    """Create the article of ``row`` in a savepoint, or count it skipped or failed."""
    if row.error is not None:
        report.fail(row.line, row.error)
        return
    try:
        fields = ArticleFields().load(row.values)
    except ValidationError as exc:
        report.fail(row.line, _describe(exc))
        return
    title = fields["title"].strip()
    if _exists(author, title, fields["body"]):
        report.skipped += 1
        return
    try:
        with db.session.begin_nested():
            article = create_article(
                author=author,
                title=title,
                description=fields["description"],
                body=fields["body"],
                tag_list=fields.get("tag_list"),
                published=fields.get("published", True),
            )
            if row.created_at is not None:
                article.created_at = row.created_at
                db.session.flush()
    except DomainError as exc:
        report.fail(row.line, exc.message)
        return
    except IntegrityError:
        report.fail(row.line, "the article breaks a database rule")
        return
    report.created += 1


def upload_path(job: Job) -> Path:
    """Return where the upload of an import job is kept until the job has read it."""
    return Path(job.params["upload"])


def read_rows(fmt: str, data: bytes) -> list[Row]:
    """Return every row of an upload in ``fmt`` (``csv`` or ``zip``)."""
    try:
        return list(parse_csv(data) if fmt == "csv" else parse_zip(data))
    except RowError as exc:
        return [Row(line=1, error=str(exc))]


@job_task("inkstone.import_articles")
def import_articles(job: Job) -> None:
    """Import the articles of an uploaded CSV or zip as the job's owner; report per row."""
    author = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    if author is None:
        raise RowError("the account that asked for the import is gone")
    path = upload_path(job)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RowError("the uploaded file is gone") from None
    rows = read_rows(job.params["format"], data)
    report = Report()
    for done, row in enumerate(rows, start=1):
        import_row(author=author, row=row, report=report)
        if done % PROGRESS_EVERY == 0 and done < len(rows):
            # Progress is written on a connection of its own, which would wait for this
            # task's write lock under SQLite: commit what is done first (a retry skips it).
            db.session.commit()
            if not services.report_progress(
                job=job, percent=done * 100 // len(rows), message=f"{done} of {len(rows)} rows"
            ):
                raise JobCancelled()
    services.finish_job(job=job, summary=report.summary())
    path.unlink(missing_ok=True)
