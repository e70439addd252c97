"""Importing articles, as a job: a CSV in the export's format, or a zip of Markdown files.

The file is read into rows by ``import_files``. Each row (a CSV record, a zip member) is
checked with the article schema's rules and written through ``create_article`` in a savepoint
of its own: a bad row is reported with its line and reason and does not stop the good ones. A
row is skipped when its author already has an article with the same title and body, so
importing a file twice creates nothing the second time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inkstone.articles.models import Article
from inkstone.articles.schemas import ArticleFields
from inkstone.articles.services import create_article
from inkstone.auth.models import User
from inkstone.core.db import lock_for_writing
from inkstone.core.errors import DomainError, Invalid, validation_errors
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job
from inkstone.jobs.runner import JobCancelled, job_task
from inkstone.transfers.readers import Row, RowError, parse_csv, parse_zip, sniff_format

FORMATS = ("csv", "zip")
ERRORS_MAX = 100
# A write transaction of an import lasts at most about this long; then the import commits and
# waits this long before the next, for writers that queued meanwhile (core.sqlite_gate polls
# every millisecond).
BATCH_SECONDS = 0.05
YIELD_SECONDS = 0.005
PROGRESS_SECONDS = 1.0


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


def start_import(*, owner: User, data: bytes) -> Job:
    """Queue an import of ``data`` as ``owner``, kept in the job's folder until it is read.

    The file is recognised by its content (``Invalid`` if neither a CSV export nor a zip).
    """
    fmt = sniff_format(data)
    if fmt is None:
        raise Invalid(
            "the file is neither a CSV in the export's format nor a zip archive", field="file"
        )
    job = services.create_job(kind=f"import.{fmt}", owner=owner, task=import_articles, params={})
    folder = services.job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"upload.{fmt}"
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)
    job.params = {"upload": str(path), "format": fmt}
    return job


def upload_path(job: Job) -> Path:
    """Return where the upload of an import job is kept until the job has read it."""
    return Path(job.params["upload"])


def read_rows(fmt: str, source: bytes | BinaryIO) -> Iterator[Row]:
    """Yield every row of an upload in ``fmt`` (``csv`` or ``zip``), as they are read."""
    try:
        yield from parse_csv(source) if fmt == "csv" else parse_zip(source)
    except RowError as exc:
        yield Row(line=1, error=str(exc))


@job_task("inkstone.import_articles", kind="import")
def import_articles(job: Job) -> None:
    """Import the articles of an uploaded CSV or zip as the job's owner; report per row.

    The file is read as a stream. Rows are written in short transactions (``BATCH_SECONDS``
    of work at most), each holding the database's write lock from its start (under SQLite a
    transaction that reads, then writes, fails if another writer committed meanwhile); after
    each one the import steps aside for ``YIELD_SECONDS``, so a writer waiting meanwhile (a
    reader's favorite, a sign-in, this job's own cancel) goes next instead of after the
    whole file.
    """
    author = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    if author is None:
        raise RowError("the account that asked for the import is gone")
    path = upload_path(job)
    try:
        upload = path.open("rb")
    except FileNotFoundError:
        raise RowError("the uploaded file is gone") from None
    size = max(1, path.stat().st_size)
    report = Report()
    with upload:
        batch_started = reported = time.monotonic()
        done = 0
        for row in read_rows(job.params["format"], upload):
            lock_for_writing(db.session)
            import_row(author=author, row=row, report=report)
            done += 1
            now = time.monotonic()
            if now - batch_started < BATCH_SECONDS:
                continue
            db.session.commit()
            time.sleep(YIELD_SECONDS)
            batch_started = time.monotonic()
            if batch_started - reported >= PROGRESS_SECONDS:
                reported = batch_started
                percent = min(99, upload.tell() * 100 // size)
                if not services.report_progress(
                    job=job, percent=percent, message=f"Rows read: {done}"
                ):
                    raise JobCancelled()
    services.finish_job(job=job, summary=report.summary())
    path.unlink(missing_ok=True)
