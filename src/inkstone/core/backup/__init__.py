"""Backups an operator can make while the site runs, and restore: ``flask backup …``.

One file holds the database (SQLite's online backup API, or ``pg_dump``) and the uploaded
files, with a manifest saying what made it. See ``docs/backup.md``.
"""

from __future__ import annotations

from flask import Flask


def init_backup(app: Flask) -> None:
    """Add the ``flask backup`` commands."""
    from inkstone.core.backup.cli import backup_cli

    app.cli.add_command(backup_cli)
