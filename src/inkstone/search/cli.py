"""``flask search reindex`` and ``flask search status``."""

from __future__ import annotations

import os
import time

import click
from flask.cli import AppGroup

from inkstone.articles.models import PUBLISHED_ARTICLES
from inkstone.core.db import counters
from inkstone.extensions import db
from inkstone.search.backends import backend
from inkstone.search.indexing import rebuild

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("status")
def status() -> None:
    """Show what the index holds: documents, size on disk, last update."""
    connection = db.session.connection()
    found = backend(connection).status(connection)
    size = found.size_bytes or 0
    click.echo(f"backend:     {found.backend}")
    click.echo(f"articles:    {found.articles} indexed of {_published()} published")
    click.echo(f"people:      {found.people}")
    click.echo(f"size:        {size / 1_048_576:.1f} MiB ({size} bytes)")
    updated = found.updated_at.isoformat() if found.updated_at else "never"
    click.echo(f"last update: {updated}")


def _published() -> int:
    return counters.read(PUBLISHED_ARTICLES)


@search_cli.command("reindex")
@click.option("--fresh", is_flag=True, help="Empty the index first (faster; a first build).")
@click.option("--if-empty", is_flag=True, help="Only when the index holds no article yet.")
@click.option(
    "--background", is_flag=True, help="Queue it as a job for the worker (progress in Jobs)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=lambda: os.cpu_count() or 1,
    show_default="the CPUs",
    help="Processes cutting the text.",
)
def reindex(fresh: bool, if_empty: bool, background: bool, workers: int) -> None:
    """Index every published article and findable person again."""
    if if_empty:
        connection = db.session.connection()
        found = backend(connection).status(connection, size=False)
        if found.articles or not _published():
            return
    if background:
        from inkstone.search.jobs import start_reindex

        job = start_reindex(owner=None, fresh=fresh)
        db.session.commit()
        click.echo(f"Queued job {job.id}: follow it in the back office's Jobs.")
        return
    started = time.monotonic()
    with click.progressbar(length=1, label="Indexing articles") as bar:

        def progress(done: int, total: int) -> bool:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)
            return True

        articles, people = rebuild(fresh=fresh, workers=workers, progress=progress)
    elapsed = time.monotonic() - started
    click.echo(f"Indexed {articles} articles and {people} people in {elapsed:.1f} s.")
