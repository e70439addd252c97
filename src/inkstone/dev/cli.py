"""``flask dev …``: demo data for a laptop."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from inkstone.auth.models import User
from inkstone.dev.fake import DEMO_EMAIL, seed_demo
from inkstone.extensions import db

dev_cli = AppGroup("dev", help="Development helpers.")


@dev_cli.command("seed")
@click.option("--users", default=20, show_default=True)
@click.option("--articles", default=200, show_default=True)
@click.option("--messages", default=30, show_default=True, help="Guestbook messages.")
@click.option("--if-empty", is_flag=True, help="Do nothing when any user exists.")
@click.option("--seed", "random_seed", default=2026, show_default=True)
def seed(users: int, articles: int, messages: int, if_empty: bool, random_seed: int) -> None:
    """Fill the database with demo users, articles, comments, follows and guestbook messages.

    Adds to what is there (new accounts are numbered after it). Refused under
    ``ENV=production``: every account it makes signs in with the published demo password.
    """
    password = current_app.config["DEMO_PASSWORD"]
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo(f"Demo data already present. Demo login: {DEMO_EMAIL} / {password}")
        return
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "demo data is not made under ENV=production: its accounts share the published "
            "demo password"
        )
    summary = seed_demo(
        users=users, articles=articles, password=password, seed=random_seed, messages=messages
    )
    db.session.commit()
    click.echo(
        f"Seeded {summary['users']} users, {summary['articles']} articles, "
        f"{summary['comments']} comments, {summary['favorites']} favorites, "
        f"{summary['follows']} follows, {summary['guestbook']} guestbook messages, "
        f"{summary['drafts']} drafts"
        + (
            "; the demo account has notifications, newsletter subscribers and two scheduled "
            "articles (one goes out in 10 minutes)."
            if summary["activity"]
            else "."
        )
    )
    click.echo(f"Demo login: {DEMO_EMAIL} / {password}")
