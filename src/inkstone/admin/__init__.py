"""The back office: user administration (the users API, `flask users`, `flask roles`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the users API and the `flask users` / `flask roles` commands."""
    from inkstone.admin import api
    from inkstone.admin.cli import roles_cli, users_cli
    from inkstone.core.features import Feature, register

    register(app, Feature(name="admin", api=(api.bp,), cli=(users_cli, roles_cli)))
