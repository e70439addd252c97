"""``flask users …``: account administration from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from inkstone.auth import services
from inkstone.auth.models import RoleName
from inkstone.core.errors import DomainError
from inkstone.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(username: str, email: str, password: str) -> None:
    """Create an account with the admin role."""
    if not 8 <= len(password) <= 128:
        raise click.BadParameter("must be 8 to 128 characters", param_hint="--password")
    try:
        user = services.register_user(
            username=username, email=email, password=password, role=RoleName.ADMIN
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from exc
    db.session.commit()
    click.echo(f"Created admin {user.username} <{user.email}>.")
