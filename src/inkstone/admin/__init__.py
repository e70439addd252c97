"""The back office (后台): dashboard, people, moderation, reports, site settings, audit log.

Each section is a module of this package offering ``bp`` (its pages under ``/admin``), and
optionally ``api`` (its ``/api/v1/…`` routes), ``slots`` (templates it puts in layout slots
of pages below it, such as a report button), ``public`` (blueprints of pages for readers,
such as the report form), ``tasks`` (modules defining its Celery tasks) and ``nav`` (its items
in the back office's side menu, ``NavItem(menu="admin", scope=…)``). Features lower in the stack add
their own sections (jobs, files) the same way from their ``init_app``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from flask import Flask

SECTIONS = ("dashboard", "people", "moderation", "reports", "site_settings", "audit")


def init_app(app: Flask) -> None:
    """Register the back office's sections, the users API and `flask users` / `flask roles`."""
    from flask_babel import lazy_gettext as _l

    from inkstone.admin import api, models  # noqa: F401  (models: the reports table)
    from inkstone.admin.cli import roles_cli, users_cli
    from inkstone.core.features import Audience, Feature, NavItem, register

    slots: dict[str, list[str]] = {}
    site: list[Any] = []
    apis: list[Any] = [api.bp]
    tasks: list[str] = []
    nav: list[NavItem] = [
        NavItem(
            "admin_dashboard.index",
            _l("Back office"),
            60,
            icon="bi-speedometer2",
            audience=Audience.SIGNED_IN,
            scope="users:read",
        )
    ]
    for name in SECTIONS:
        section = import_module(f"inkstone.admin.{name}")
        site.append(section.bp)
        site.extend(getattr(section, "public", ()))
        apis.extend(getattr(section, "api", ()))
        tasks.extend(getattr(section, "tasks", ()))
        for slot_name, templates in getattr(section, "slots", {}).items():
            slots.setdefault(slot_name, []).extend(templates)
        nav.extend(getattr(section, "nav", ()))
    register(
        app,
        Feature(
            name="admin",
            site=tuple(site),
            api=tuple(apis),
            cli=(users_cli, roles_cli),
            tasks=tuple(tasks),
            nav=nav,
            slots=slots,
        ),
    )
