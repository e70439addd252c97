"""``flask translate``: keep the message catalogs in step with the source."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from inkstone.i18n import catalogs

translate_cli = AppGroup("translate", help="Extract, update, compile and check translations.")


@translate_cli.command("update")
def update_command() -> None:
    """Extract the strings and merge them into every catalog (then translate the new ones)."""
    for locale, missing in catalogs.update().items():
        click.echo(f"{locale}: {missing} untranslated")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile every catalog to its .mo file."""
    catalogs.compile_all()
    click.echo("compiled " + ", ".join(catalogs.LOCALES))


@translate_cli.command("check")
def check_command() -> None:
    """Fail when a catalog lacks, keeps or leaves untranslated a string, or is not compiled."""
    problems = catalogs.check()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("catalogs complete and current")
