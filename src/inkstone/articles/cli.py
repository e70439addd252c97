"""``flask articles …``: maintenance of stored articles."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from inkstone.articles import markdown, services
from inkstone.extensions import db

articles_cli = AppGroup("articles", help="Maintain articles.")


@articles_cli.command("render")
@click.option(
    "--all", "everything", is_flag=True, help="Render every article, not only stale ones."
)
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Articles rendered and committed together.",
)
def render(everything: bool, batch_size: int) -> None:
    """Store the HTML of articles whose stored HTML is missing or from an older renderer."""
    done = 0

    def commit(count: int) -> None:
        nonlocal done
        db.session.commit()
        done += count
        click.echo(f"… {done}", err=True)

    total = services.render_stale_bodies(
        batch_size=batch_size, everything=everything, after_batch=commit
    )
    db.session.commit()
    noun = "article" if total == 1 else "articles"
    click.echo(f"Rendered {total} {noun} (renderer version {markdown.RENDER_VERSION}).")


@articles_cli.command("publish-due")
def publish_due() -> None:
    """Publish the scheduled drafts whose time has come (what the worker's beat does)."""
    from inkstone.articles import scheduler

    total = scheduler.publish_due()
    noun = "article" if total == 1 else "articles"
    click.echo(f"Published {total} scheduled {noun}.")
