"""Exports of articles as CSV, XLSX or PDF: asking for one, the rows, and the job task.

Memory stays flat whatever the number of articles: rows are read in keyset pages of
``BATCH`` plain tuples (no ORM objects pile up in the session), each page is written to the
file at once, and progress is reported after every page (a cancelled job stops there). The
file is written as ``<name>.part`` and renamed only when complete, so a half-written export is
never offered for download. The writers of each format are in ``export_writers``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, has_scope
from inkstone.core.db import utcnow
from inkstone.core.errors import Invalid, PermissionDenied
from inkstone.extensions import db
from inkstone.jobs import services
from inkstone.jobs.models import Job
from inkstone.jobs.runner import JobCancelled, job_task
from inkstone.transfers.writers import WRITERS, ExportRow, ExportWriter

FORMATS = tuple(WRITERS)
SCOPES = ("mine", "all")
BATCH = 500
TASK_NAME = "inkstone.export_articles"


# --------------------------------------------------------------------------- asking for one


def start_export(*, owner: User, format: str, scope: str) -> Job:
    """Queue an export of the owner's articles (``mine``) or every published one (``all``)."""
    if format not in FORMATS:
        raise Invalid(f"must be one of {', '.join(FORMATS)}", field="format")
    if scope not in SCOPES:
        raise Invalid(f"must be one of {', '.join(SCOPES)}", field="scope")
    if scope == "all" and not has_scope(owner, Scope.ARTICLES_MODERATE):
        raise PermissionDenied("exporting every article needs articles:moderate", field="scope")
    return services.create_job(
        kind=f"export.{format}",
        owner=owner,
        task=export_articles,
        params={"format": format, "scope": scope},
    )


# --------------------------------------------------------------------------- rows


def _selection(*, owner_id: int | None) -> Any:
    """Return the condition of the articles exported: the owner's all, else published ones."""
    if owner_id is not None:
        return Article.author_id == owner_id
    return Article.published.is_(True)


def count_articles(*, owner_id: int | None) -> int:
    """Count the articles an export of ``owner_id`` (``None``: everyone's) will write."""
    query = select(func.count()).select_from(Article).where(_selection(owner_id=owner_id))
    return int(db.session.scalar(query) or 0)


def iter_batches(*, owner_id: int | None, batch: int = BATCH) -> Iterator[list[ExportRow]]:
    """Yield the exported articles in id order, ``batch`` at a time (keyset pages)."""
    query = (
        select(
            Article.id,
            Article.slug,
            Article.title,
            Article.description,
            Article.body,
            Article.tag_names,
            Article.published,
            Article.created_at,
            Article.updated_at,
            User.username,
        )
        .join(User, User.id == Article.author_id)
        .where(_selection(owner_id=owner_id))
        .order_by(Article.id)
        .limit(batch)
    )
    last_id: int | None = None
    while True:
        page = query if last_id is None else query.where(Article.id > last_id)
        rows = db.session.execute(page).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield [
            ExportRow(
                slug=row[1],
                title=row[2],
                description=row[3] or "",
                body=row[4] or "",
                tags=list(json.loads(row[5] or "[]")),
                published=bool(row[6]),
                created_at=row[7],
                updated_at=row[8],
                author=row[9],
            )
            for row in rows
        ]
        if len(rows) < batch:
            return


# --------------------------------------------------------------------------- the task


def export_filename(format: str) -> str:
    """Return the name the file is downloaded as: ``inkstone-articles-2026-11-21.csv``."""
    return f"inkstone-articles-{utcnow():%Y-%m-%d}.{format}"


def write_export(
    *, job: Job, path: Path, format: str, owner_id: int | None, batch: int = BATCH
) -> int:
    """Write the export to ``path`` page by page, reporting progress; return the row count."""
    total = count_articles(owner_id=owner_id)
    writer: ExportWriter = WRITERS[format](path)
    done = 0
    try:
        for rows in iter_batches(owner_id=owner_id, batch=batch):
            writer.write(rows)
            done += len(rows)
            total = max(total, done)  # articles written meanwhile are exported too
            percent = done * 99 // total  # 100 only once the file is complete
            if not services.report_progress(
                job=job, percent=percent, message=f"Exported {done} of {total} articles"
            ):
                raise JobCancelled
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return done


def run_export(job: Job) -> None:
    """Export articles to a file under the job's folder and offer it for download."""
    format, scope = job.params["format"], job.params["scope"]
    folder = services.job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    filename = export_filename(format)
    part, final = folder / f"{filename}.part", folder / filename
    if scope != "all" and job.owner_id is None:
        raise ValueError("an export of one's own articles needs an owner")
    owner_id = None if scope == "all" else job.owner_id
    try:
        count = write_export(job=job, path=part, format=format, owner_id=owner_id)
        part.replace(final)
        services.finish_job(  # flushes: fails if the job was deleted meanwhile (its owner's)
            job=job,
            summary={"articles": count, "format": format, "scope": scope},
            path=f"{job.id}/{filename}",
            filename=filename,
            size=final.stat().st_size,
        )
    except BaseException:
        part.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty
        raise


export_articles = job_task(TASK_NAME, kind="export")(run_export)
