"""``flask users …`` and ``flask roles …``: account administration from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from inkstone.admin import services as admin_services
from inkstone.auth import services
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.auth.passwords import PASSWORD_MAX, PASSWORD_MIN
from inkstone.auth.permissions import ROLE_SCOPES
from inkstone.core.errors import DomainError
from inkstone.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
roles_cli = AppGroup("roles", help="Show roles and what they may do.")

ROLE_CHOICE = click.Choice([role.value for role in RoleName])


def _user(username: str) -> User:
    try:
        return services.get_user_by_username(username=username)
    except DomainError as exc:
        raise click.ClickException(f"no user called {username!r}") from exc


@users_cli.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(username: str, email: str, password: str) -> None:
    """Create an account with the admin role."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.BadParameter(
            f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters", param_hint="--password"
        )
    try:
        user = services.register_user(
            username=username, email=email, password=password, role=RoleName.ADMIN, confirmed=True
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from exc
    db.session.commit()
    click.echo(f"Created admin {user.username} <{user.email}>.")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(username: str, password: str) -> None:
    """Give USERNAME a new password; every session and API token of theirs ends."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.BadParameter(
            f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters", param_hint="--password"
        )
    user = _user(username)
    with _explained_refusal():
        services.update_user(user=user, changes={"password": password})
    db.session.commit()
    click.echo(f"{user.username} has a new password; they were signed out everywhere.")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("roles", nargs=-1, required=True, type=ROLE_CHOICE)
def set_role(username: str, roles: tuple[str, ...]) -> None:
    """Give USERNAME exactly these ROLES (reader, author, moderator, admin)."""
    user = _user(username)
    with _explained_refusal():
        admin_services.change_roles(user=user, roles=[RoleName(r) for r in roles], actor=None)
    db.session.commit()
    click.echo(f"{user.username} now has: {', '.join(sorted(user.role_names))}.")


@contextmanager
def _explained_refusal() -> Iterator[None]:
    """Turn a refused change (the last admin, say) into an error message, not a traceback."""
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from exc


def _move(username: str, status: UserStatus, done: str) -> None:
    user = _user(username)
    with _explained_refusal():
        admin_services.change_status(user=user, status=status, actor=None)
    db.session.commit()
    click.echo(f"{user.username} {done}.")


@users_cli.command("suspend")
@click.argument("username")
def suspend(username: str) -> None:
    """Suspend USERNAME: they can no longer sign in."""
    _move(username, UserStatus.SUSPENDED, "is suspended")


@users_cli.command("reinstate")
@click.argument("username")
def reinstate(username: str) -> None:
    """Lift a suspension: USERNAME may sign in again."""
    _move(username, UserStatus.ACTIVE, "is active again")


@roles_cli.command("show")
def show_roles() -> None:
    """List every role with its permission scopes."""
    for role in RoleName:
        scopes = sorted(scope.value for scope in ROLE_SCOPES[role])
        click.echo(f"{role.value}: {', '.join(scopes)}")
