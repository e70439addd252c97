"""``flask notifications digest``: send the daily digests that are due, now."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from inkstone.notifications.tasks import send_digests

notifications_cli = AppGroup("notifications", help="Notifications and their mail.")


@notifications_cli.command("digest")
def digest() -> None:
    """Send the daily digests that are due (as the hourly beat does)."""
    sent = send_digests()
    click.echo(f"digests sent: {sent}")
